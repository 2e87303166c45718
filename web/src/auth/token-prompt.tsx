import { useState } from "preact/hooks";

interface TokenPromptProps {
  /** Why the prompt is shown again: a refused token, or a sign-out. */
  message: string | null;
  onToken: (token: string) => void;
}

/** Asks for a user or admin bearer token (`strata server --create-token user`). */
export function TokenPrompt({ message, onToken }: TokenPromptProps) {
  const [token, setToken] = useState("");
  return (
    <main class="prompt">
      <h1>Strata</h1>
      <form
        data-testid="token-prompt"
        onSubmit={(event) => {
          event.preventDefault();
          const trimmed = token.trim();
          if (trimmed !== "") onToken(trimmed);
        }}
      >
        <p>
          Enter a <strong>user</strong> or <strong>admin</strong> token. An administrator makes one with{" "}
          <code>strata server --create-token user</code>.
        </p>
        {message === null ? null : (
          <p class="problem" role="alert" data-testid="prompt-message">
            {message}
          </p>
        )}
        <label class="field">
          <span>API token</span>
          <input
            type="password"
            name="token"
            autoComplete="off"
            spellcheck={false}
            required
            value={token}
            onInput={(event) => {
              setToken(event.currentTarget.value);
            }}
          />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

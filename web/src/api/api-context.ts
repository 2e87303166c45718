import { createContext } from "preact";

export interface ApiSession {
  token: string;
  /** Drops the token and asks for another, showing `message`. */
  signOut: (message: string) => void;
}

export const ApiContext = createContext<ApiSession>({
  token: "",
  signOut: () => undefined,
});

import { useEffect, useRef, useState } from "preact/hooks";

interface SearchFieldProps {
  label: string;
  placeholder: string;
  value: string;
  /** Called once typing pauses, or at once on Enter. */
  onSearch: (value: string) => void;
}

const pause = 300;

/** A search box that reports what was typed after a short pause, not on every key. */
export function SearchField({ label, placeholder, value, onSearch }: SearchFieldProps) {
  const [typed, setTyped] = useState(value);
  const report = useRef(onSearch);
  report.current = onSearch;
  useEffect(() => {
    setTyped(value);
  }, [value]);
  useEffect(() => {
    if (typed === value) return undefined;
    const timer = window.setTimeout(() => {
      report.current(typed);
    }, pause);
    return () => {
      window.clearTimeout(timer);
    };
  }, [typed, value]);
  return (
    <label class="field search">
      <span>{label}</span>
      <input
        type="search"
        value={typed}
        placeholder={placeholder}
        onInput={(event) => {
          setTyped(event.currentTarget.value);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter") onSearch(event.currentTarget.value);
        }}
      />
    </label>
  );
}

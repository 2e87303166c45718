const key = "strata.token";

/** The bearer token lives in sessionStorage: it is gone when the tab closes and never reaches a URL. */
export function readToken(): string | null {
  return sessionStorage.getItem(key);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(key, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(key);
}

// Asks for the API token when the server answers 401 (see api/auth.ts).

import { useEffect, useRef, useState } from "preact/hooks";
import { currentTokenRequest, onTokenRequest, type TokenRequest } from "../api/auth";

export function TokenDialog() {
  const [request, setRequest] = useState<TokenRequest | null>(currentTokenRequest);
  const [token, setToken] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => onTokenRequest(() => setRequest(currentTokenRequest())), []);
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (request && !el.open) el.showModal();
    if (!request && el.open) el.close();
  }, [request]);

  const answer = (value: string | null) => {
    request?.answer(value);
    setToken("");
  };

  return (
    <dialog
      ref={dialog}
      class="token-dialog"
      aria-labelledby="token-title"
      onCancel={(e) => {
        e.preventDefault();
        answer(null);
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          answer(token);
        }}
      >
        <h2 id="token-title">API token</h2>
        <p>
          {request?.refused
            ? "The server refused that token. Enter another one."
            : (
                <>
                  This Baton server needs an API token (<code class="nowrap">baton serve --auth-token</code>).
                </>
              )}{" "}
          It is kept in this browser tab only.
        </p>
        <label for="token-input">Token</label>
        <input
          id="token-input"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <div class="actions">
          <button type="submit" class="primary">
            Use token
          </button>
          <button type="button" onClick={() => answer(null)}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

import { useId, useState, type SubmitEvent } from "react";
import { authClient } from "../auth-client";

type Mode = "sign-in" | "sign-up";

export function AuthForm({ sessionError }: { sessionError: string | null }) {
  const [mode, setMode] = useState<Mode>("sign-in");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function submit(e: SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    if (mode === "sign-up" && !name.trim()) {
      setError("Please enter your name.");
      return;
    }
    if (password.length < 8) {
      setError("The password needs at least 8 characters.");
      return;
    }
    setBusy(true);
    try {
      const result =
        mode === "sign-up"
          ? await authClient.signUp.email({ email: email.trim(), password, name: name.trim() })
          : await authClient.signIn.email({ email: email.trim(), password });
      if (result.error) setError(result.error.message || "That did not work. Please try again.");
    } catch {
      setError("Could not reach the server. Check your connection.");
    } finally {
      setBusy(false);
    }
  }

  const signUp = mode === "sign-up";
  return (
    <main className="auth">
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`} noValidate>
        <h1 id={`${id}-title`}>{signUp ? "Create your account" : "Sign in"}</h1>
        <p className="muted">Your todo assistant: tell it what to do in plain words.</p>
        {signUp && (
          <label>
            Name
            <input name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
        )}
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={signUp ? "new-password" : "current-password"}
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {(error ?? sessionError) && (
          <p className="error" role="alert">
            {error ?? sessionError}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Please wait…" : signUp ? "Create account" : "Sign in"}
        </button>
        <p className="switch">
          {signUp ? "Already have an account?" : "New here?"}{" "}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(signUp ? "sign-in" : "sign-up");
              setError(null);
            }}
          >
            {signUp ? "Sign in" : "Create an account"}
          </button>
        </p>
      </form>
    </main>
  );
}

import { authClient } from "./auth-client";
import { AuthForm } from "./components/AuthForm";
import { ChatPage } from "./components/ChatPage";

export function App() {
  const { data, isPending, error, refetch } = authClient.useSession();

  if (isPending) {
    return (
      <main className="splash" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (!data) {
    return <AuthForm sessionError={error ? "Could not reach the server. Check your connection." : null} />;
  }
  return (
    <ChatPage
      user={data.user}
      onSignOut={async () => {
        await authClient.signOut();
        await refetch();
      }}
    />
  );
}

export default function Loading() {
  return (
    <div className="stack" aria-busy="true">
      <p className="muted">Loading the job…</p>
    </div>
  );
}

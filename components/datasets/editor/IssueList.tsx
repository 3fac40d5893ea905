import { readablePath, type EditorExampleData } from "./draft";
import styles from "./editor.module.css";

type Issue = EditorExampleData["issues"][number];

// Findings on the saved row: the validator's (re-run by every save) and the analysis's (duplicates, leakage,
// token limit). Errors first: they block a fine-tuning job, warnings only advise.
export function IssueList({ issues }: { issues: Issue[] }) {
  if (issues.length === 0) return <p className={styles.clean}>✓ No errors or warnings on this example.</p>;
  const sorted = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  return (
    <ul className={styles.issues} aria-label="Findings">
      {sorted.map((issue, i) => (
        <li key={`${issue.code}-${i}`} className={`${styles.issue} ${issue.severity === "error" ? styles.issueError : styles.issueWarning}`}>
          <span className={styles.issueCode}>
            {issue.severity === "error" ? "Error" : "Warning"} · {issue.code}
          </span>
          <span className={styles.issueText}>
            {issue.message}
            {issue.path ? <span className={styles.issuePath} title={issue.path}> ({readablePath(issue.path)})</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

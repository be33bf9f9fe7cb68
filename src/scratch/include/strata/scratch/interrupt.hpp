#pragma once
// SIGINT/SIGTERM for commands that work on scratch databases (`diff`,
// `check`, `revision --autogenerate`): exit 130 promptly, leaving no scratch
// database or folder behind, whatever the command is waiting for.
#include <string>

namespace strata::scratch {

/// While alive, SIGINT and SIGTERM end the process: a watcher thread (the
/// handler only wakes it) silences the command's further output (it would
/// report only failures the interruption causes), drops every live scratch
/// database and folder (drop_live: a statement busy on one ends with it),
/// prints "strata: interrupted: ..." and exits with ExitCode::Interrupted.
/// A second signal exits at once. Waiting for the drops is capped at a few
/// seconds, for a server that no longer answers.
///
/// Rather than cancel each statement and unwind, the process exits from the
/// watcher: a command may be blocked on what no scratch drop ends (a
/// connection attempt, a live database's introspection, a future), and
/// whatever it held dies with the process; what outlives the process (the
/// scratch databases and folders) is exactly what drop_live removes.
///
/// Code that runs with other handlers for a while (bridge::call swaps in
/// its own while Python runs) gets this guard's back afterwards; it passes
/// on an interruption it caught with request_interrupt(). One guard at a
/// time; the previous handlers come back on destruction. A guard destroyed
/// once an interruption began does not return: the watcher exits.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

/// As if SIGINT had arrived: with an InterruptGuard alive, the watcher
/// starts the exit (this returns; the caller may go on unwinding). Without
/// one, does nothing. Async-signal-safe.
void request_interrupt();

/// A file the command is writing (a generated revision being verified):
/// an interruption removes it too, until keep_on_interrupt(path).
void remove_on_interrupt(const std::string& path);
void keep_on_interrupt(const std::string& path);

}  // namespace strata::scratch

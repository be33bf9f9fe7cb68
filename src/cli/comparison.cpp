// What `diff` and `check` share around their comparisons: exit codes, JSON
// on errors, and SIGINT/SIGTERM (src/scratch/interrupt.hpp).
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "strata/bridge/bridge.hpp"
#include "strata/scratch/interrupt.hpp"

namespace strata::cli {

int comparison_exit(bool differs, bool failed) {
  // An incomplete answer outranks a difference: 1 must mean that every
  // database was compared and some differ, so that CI can tell "write a
  // revision" from "the check itself did not run" (Alembic's check raises
  // for both; Atlas uses distinct codes).
  if (failed) return static_cast<int>(ExitCode::Usage);
  return differs ? static_cast<int>(ExitCode::Failure) : 0;
}

int run_comparison(Context& ctx, int (*command)(Context&)) {
  scratch::InterruptGuard interrupts;
  try {
    return command(ctx);
  } catch (const bridge::Interrupted&) {
    throw;  // the guard's watcher exits
  } catch (const std::exception& e) {
    // The whole command stopped (config, --env, a missing plugin): --json
    // still answers with a document, and the exit code is 2, never the 1
    // of "differences found".
    if (ctx.globals.json)
      ctx.out << nlohmann::json{{"databases", nlohmann::json::array()}, {"error", config::mask_passwords(e.what())}}
                     .dump(2)
              << "\n";
    if (dynamic_cast<const UserError*>(&e)) throw;
    throw UserError(e.what());
  }
}

}  // namespace strata::cli

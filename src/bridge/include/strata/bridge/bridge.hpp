#pragma once
// The C++ side of Strata's Python bridge (src/bridge/strata_bridge.py): the
// one place Strata runs Python, for what only Alembic or SQLAlchemy can do
// (`import alembic`; SQLAlchemy models as a desired schema). A call writes a
// JSON request to a file, runs `python3 strata_bridge.py COMMAND --request R
// --response A` and reads the JSON answer from A, so whatever the project's
// own code prints never reaches the answer.
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace strata::bridge {

/// A call that did not answer {"ok": true}: Python or a module is missing
/// (the message names the Debian package), the bridge failed, or it
/// answered {"ok": false, "error": {...}} (then `error` holds that object:
/// "message", and "kind", "where" ... as the command documents).
class BridgeError : public std::runtime_error {
 public:
  BridgeError(const std::string& message, nlohmann::json error = nlohmann::json::object());
  nlohmann::json error;
};

/// SIGINT or SIGTERM arrived while the bridge ran: the child was stopped
/// (SIGTERM, then waited for) and nothing of its answer is used. Whoever
/// unwinds drops what it created (scratch databases); the command exits 130.
class Interrupted : public BridgeError {
 public:
  using BridgeError::BridgeError;
};

/// The interpreter: $STRATA_PYTHON, else /usr/bin/python3 (Debian's, which
/// has python3-alembic; another python3 first on PATH may not).
std::string python();

/// The script: $STRATA_BRIDGE, else <folder of the strata binary>/../share/
/// strata/strata_bridge.py (build tree and install), else the install's
/// data folder (compiled in). Throws BridgeError when none exists.
std::string script_path();

/// Runs one bridge command and returns its answer (with "ok": true).
/// `output_tail` (may be null) receives the last lines the process printed
/// (env.py's logging, the project's prints), for a failure's context. The
/// child's standard input is /dev/null; its output goes to a temporary
/// file, not to the terminal. While it runs, SIGINT and SIGTERM are caught
/// (the previous handlers are restored after): the child is stopped and
/// Interrupted is thrown. Throws BridgeError.
nlohmann::json call(const std::string& command, const nlohmann::json& request,
                    std::string* output_tail = nullptr);

}  // namespace strata::bridge

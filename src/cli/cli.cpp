// The command table (name, arguments, options, handler) and the command
// line: global options before or after the command, "did you mean", help,
// and the one place errors become exit statuses. The handlers live by
// family in run_commands.cpp, inspect_commands.cpp and author_commands.cpp.
#include "strata/cli/cli.hpp"

#include <algorithm>
#include <cctype>

#include "context.hpp"
#include "strata/cli/meta.hpp"
#include "strata/dialect/dialect.hpp"

namespace strata::cli {
namespace {

/// --dev-url on the commands that make scratch databases.
void add_dev_url(po::options_description& d) {
  d.add_options()("dev-url", po::value<std::vector<std::string>>()->value_name("URL")->composing(),
                  "a PostgreSQL or MySQL server for scratch databases, in place of dev_url (one per dialect)");
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"init", "[DIR]", "Create a new alembic.toml, a revision folder per database in DIR (default migrations), var/ and a .gitignore.",
       [](po::options_description& d) {
         d.add_options()("template", po::value<std::string>()->value_name("NAME"),
                         "generic (one database, main; the default) or multidb (main and analytics)");
       },
       cmd_init},
      {"revision", "", "Create a new revision file.",
       [](po::options_description& d) {
         d.add_options()
             ("message,m", po::value<std::string>()->value_name("MSG"), "message (also names the file)")
             ("rev-id", po::value<std::string>()->value_name("ID"), "revision id to use instead of a random one")
             ("head", po::value<std::string>()->value_name("REV"), "revision to base the new one on (default: head; 'base' starts a new root)")
             ("branch-label", po::value<std::vector<std::string>>()->value_name("LABEL")->composing(), "branch label for the new revision (repeatable)")
             ("depends-on", po::value<std::vector<std::string>>()->value_name("REV")->composing(), "revision the new one depends on (repeatable)")
             ("splice", po::bool_switch(), "allow --head to name a non-head revision (starts a branch)")
             ("version-path", po::value<std::string>()->value_name("DIR"), "folder to write the file to (default: the database's location)")
             ("autogenerate", po::bool_switch(), "write the SQL that takes the chain's head to the desired schema (schema or models), and back")
             ("dialect", po::value<std::vector<std::string>>()->value_name("D[,D2]")->composing(), "with --autogenerate: a section per dialect (default: the database URL's)")
             ("against-url", po::value<std::string>()->value_name("URL"), "with --autogenerate: compare with this live database (at the chain's heads) instead of a scratch replay");
         add_dev_url(d);
       },
       cmd_revision},
      {"upgrade", "TARGET", "Upgrade to a later revision (head, heads, ID, +N, LABEL@head).",
       add_run_options, cmd_upgrade},
      {"downgrade", "TARGET", "Revert to an earlier revision (-1, ID, base).", add_run_options,
       cmd_downgrade},
      {"current", "", "Show the current revision(s) of each database.",
       [](po::options_description& d) {
         d.add_options()("check-heads", po::bool_switch(), "exit 1 unless every database is at all heads");
       },
       cmd_current},
      {"history", "", "List revisions, newest first.",
       [](po::options_description& d) {
         d.add_options()
             ("rev-range,r", po::value<std::string>()->value_name("START:END"), "only revisions in this range (current allowed)")
             ("indicate-current,i", po::bool_switch(), "mark the databases' current revisions")
             ("graph", po::bool_switch(), "draw branches and merges as a text graph")
             ("applied", po::bool_switch(), "show each database's applied log instead, newest first, with durations");
       },
       cmd_history},
      {"verify", "", "Compare each database's applied log and version table with the revision files.",
       nullptr, cmd_verify},
      {"heads", "", "Show the head revisions of each chain.",
       [](po::options_description& d) {
         d.add_options()("resolve-dependencies", po::bool_switch(), "treat Depends On as Revises");
       },
       cmd_heads},
      {"branches", "", "Show branch points.", nullptr, cmd_branches},
      {"graph", "", "Draw the revision graph (text, or Graphviz with --format dot).",
       [](po::options_description& d) {
         d.add_options()("format", po::value<std::string>()->value_name("text|dot|json"), "output format (default text; json = --json)");
       },
       cmd_graph},
      {"show", "REV", "Show one revision in detail.", nullptr, cmd_show},
      {"stamp", "REV...", "Set the version table to REV without running any SQL.",
       [](po::options_description& d) {
         d.add_options()("purge", po::bool_switch(), "empty the version table first (ignores unknown ids)");
         add_lock_timeout(d);
         add_offline_options(d);
       },
       cmd_stamp},
      {"resolve", "applied|reverted",
       "Settle a revision a failure left half-applied: record it as done, or forget it.", add_lock_timeout,
       cmd_resolve},
      {"merge", "REV...", "Create a revision that merges REV... (e.g. heads).",
       [](po::options_description& d) {
         d.add_options()
             ("message,m", po::value<std::string>()->value_name("MSG"), "message")
             ("rev-id", po::value<std::string>()->value_name("ID"), "revision id to use")
             ("branch-label", po::value<std::vector<std::string>>()->value_name("LABEL")->composing(), "branch label");
       },
       cmd_merge},
      {"check", "",
       "Exit 1 when the desired schema (schema file or SQLAlchemy models) differs from the chain's head, printing the changes.",
       [](po::options_description& d) {
         d.add_options()("dialect", po::value<std::string>()->value_name("D"),
                         "dialect to compare in (default: the database URL's)");
         add_dev_url(d);
       },
       [](Context& ctx) { return run_comparison(ctx, cmd_check); }},
      {"diff", "",
       "Compare each database's schema with what its chain gives at the revision it is at (drift); exit 1 when they differ.",
       add_dev_url, [](Context& ctx) { return run_comparison(ctx, cmd_diff); }},
      {"import", "alembic",
       "Convert an Alembic project (alembic.ini, Python revisions) into revision files and alembic.toml, same ids and graph.",
       add_import_options, cmd_import},
      {"version", "", "Show the version, the dialect ABI and the plugins found (also: strata --version).",
       nullptr, [](Context& ctx) { return meta::version(ctx.globals.json, ctx.globals.config, ctx.out, ctx.err); }},
  };
  return table;
}

/// The table as data, for --version and the hidden __complete (meta.cpp).
meta::CommandTable describe_table() {
  meta::CommandTable t;
  Globals g;
  t.globals = meta::describe(global_options(g));
  for (auto& c : commands()) {
    po::options_description d;
    if (c.options) c.options(d);
    t.commands.push_back({c.name, c.args, c.summary, meta::describe(d)});
  }
  return t;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void print_main_help(std::ostream& out, const po::options_description& globals) {
  out << kUsage << "\n\n"
      << "Strata runs Alembic-style revision chains against several databases at once.\n\n"
      << "Commands:\n";
  for (auto& c : commands()) {
    std::string head = std::string("  ") + c.name;
    out << head << std::string(head.size() < 14 ? 14 - head.size() : 1, ' ') << c.summary << "\n";
  }
  out << "\n" << globals << "\n"
      << "Exit status: 0 success, 1 a database or migration failed, 2 usage, config or script error.\n";
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (auto code = meta::dispatch(args, describe_table, out, err)) return *code;
  Context ctx(out, err);
  auto globals = global_options(ctx.globals);
  try {
    // Find the command name: the first argument that is neither an option
    // nor the value of a global option that takes one.
    size_t cmd_pos = args.size();
    for (size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      if (a == "--") break;
      if (a.empty() || a[0] != '-') {
        cmd_pos = i;
        break;
      }
      bool takes_value = a == "-c" || a == "--config" || a == "--db" || a == "-j" || a == "--jobs" ||
                         a == "--env" || a == "--shard";
      if (takes_value) ++i;
    }
    if (cmd_pos == args.size()) {
      std::vector<std::string> before(args.begin(), args.end());
      po::variables_map vm;
      po::store(po::command_line_parser(before).options(globals).run(), vm);
      print_main_help(vm.count("help") ? out : err, globals);
      return vm.count("help") ? 0 : static_cast<int>(ExitCode::Usage);
    }
    const std::string name = args[cmd_pos];
    const Command* cmd = nullptr;
    for (auto& c : commands())
      if (name == c.name) cmd = &c;
    if (!cmd) {
      std::string best;
      size_t best_d = 3;
      for (auto& c : commands())
        if (auto d = edit_distance(name, c.name); d < best_d) best_d = d, best = c.name;
      throw UserError("unknown command '" + name + "'" +
                      (best.empty() ? "" : "; did you mean '" + best + "'?") +
                      " (strata --help lists the commands)");
    }
    po::options_description own(std::string("Options of ") + cmd->name);
    if (cmd->options) cmd->options(own);
    po::options_description all;
    all.add(own).add(globals);
    all.add_options()("positional", po::value<std::vector<std::string>>(&ctx.positional));
    po::positional_options_description pos;
    pos.add("positional", -1);
    std::vector<std::string> rest(args.begin(), args.begin() + cmd_pos);
    rest.insert(rest.end(), args.begin() + cmd_pos + 1, args.end());
    // Relative targets such as -1 look like options: "strata downgrade -1".
    po::store(po::command_line_parser(rest)
                  .options(all)
                  .positional(pos)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .extra_style_parser([](std::vector<std::string>& a) {
                    std::vector<po::option> result;
                    if (!a.empty() && a[0].size() > 1 && a[0][0] == '-' &&
                        std::isdigit(static_cast<unsigned char>(a[0][1]))) {
                      po::option o;
                      o.string_key = "positional";
                      o.value.push_back(a[0]);
                      o.original_tokens.push_back(a[0]);
                      o.position_key = 0;
                      result.push_back(o);
                      a.erase(a.begin());
                    }
                    return result;
                  })
                  .run(),
              ctx.vm);
    po::notify(ctx.vm);
    if (ctx.vm.count("help")) {
      out << "usage: strata " << cmd->name << (cmd->options ? " [OPTIONS]" : "")
          << (*cmd->args ? std::string(" ") + cmd->args : "") << "\n\n"
          << cmd->summary << "\n\n";
      if (cmd->options) out << own << "\n";
      out << globals << "\n";
      return 0;
    }
    if (ctx.vm.count("jobs"))
      ctx.globals.jobs = static_cast<int>(config::parse_count(ctx.globals.jobs_text, "-j/--jobs", 1, config::kMaxJobs));
    return cmd->handler(ctx);
  } catch (const po::error& e) {
    err << "strata: error: " << printable(e) << "\n" << kUsage << " (strata --help)\n";
    return static_cast<int>(ExitCode::Usage);
  } catch (const UserError& e) {
    err << "strata: error: " << printable(e) << "\n";
    return static_cast<int>(ExitCode::Usage);
  } catch (const dialect::PluginError& e) {
    err << "strata: error: " << printable(e) << "\n";
    return static_cast<int>(ExitCode::Usage);
  } catch (const DatabaseError& e) {
    err << "strata: error: " << printable(e) << "\n";
    return static_cast<int>(ExitCode::Failure);
  } catch (const std::exception& e) {
    err << "strata: error: " << printable(e) << "\n";
    return static_cast<int>(ExitCode::Failure);
  }
}

}  // namespace strata::cli

// strata --version / strata version [--json], and the hidden
// `strata __complete` behind the shell completion scripts.
#include "strata/cli/meta.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "strata/config/config.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"

#ifndef STRATA_VERSION
#error "STRATA_VERSION must come from CMake's project(VERSION)"
#endif

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace strata::cli::meta {

const char* version_string() { return STRATA_VERSION; }

std::vector<OptionInfo> describe(const po::options_description& d) {
  std::vector<OptionInfo> out;
  for (auto& opt : d.options()) {
    OptionInfo o;
    o.long_name = opt->long_name();
    const std::string shorter = opt->canonical_display_name(po::command_line_style::allow_dash_for_short);
    if (shorter.size() == 2 && shorter[0] == '-') o.short_name = shorter.substr(1);
    auto sem = opt->semantic();
    o.takes_value = sem && sem->max_tokens() > 0;
    if (o.takes_value) {
      o.value_name = sem->name();
      if (o.value_name == "arg") o.value_name = "VALUE";
    }
    o.description = opt->description();
    if (o.long_name == "positional") continue;
    out.push_back(std::move(o));
  }
  return out;
}

// ------------------------------------------------------------------ version

namespace {

constexpr const char* kPluginPrefix = "strata-dialect-";
constexpr const char* kPluginSuffix = ".so";
const std::vector<std::string> kShippedDialects = {"sqlite", "postgresql", "mysql"};

struct PluginFound {
  std::string dialect, file, abi, description, error;
};

std::vector<std::string> config_plugin_path(const std::string& config_path) {
  std::error_code ec;
  if (config_path.empty() || !fs::is_regular_file(config_path, ec)) return {};
  try {
    return config::load_config(config_path).plugin_path;
  } catch (const std::exception&) {
    return {};  // the version is asked for precisely when something is off
  }
}

}  // namespace

int version(bool json, const std::string& config_path, std::ostream& out, std::ostream& err) {
  dialect::PluginRegistry registry(config_plugin_path(config_path));
  const auto dirs = registry.search_path();
  // The loader takes the first strata-dialect-<name>.so along the path;
  // report exactly that file for each dialect.
  std::map<std::string, std::string> first;
  std::vector<std::string> order = kShippedDialects;
  for (auto& dir : dirs) {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string f = it->path().filename().string();
      if (f.size() > std::string(kPluginPrefix).size() + 3 && f.rfind(kPluginPrefix, 0) == 0 &&
          f.compare(f.size() - 3, 3, kPluginSuffix) == 0)
        names.push_back(f);
    }
    std::sort(names.begin(), names.end());
    for (auto& f : names) {
      std::string d = f.substr(std::string(kPluginPrefix).size(), f.size() - std::string(kPluginPrefix).size() - 3);
      if (first.emplace(d, (fs::path(dir) / f).string()).second &&
          std::find(order.begin(), order.end(), d) == order.end())
        order.push_back(d);
    }
  }
  std::vector<PluginFound> plugins;
  for (auto& d : order) {
    PluginFound p;
    p.dialect = d;
    auto it = first.find(d);
    if (it == first.end()) {
      p.error = "not found";
    } else {
      p.file = it->second;
      try {
        auto loaded = dialect::PluginRegistry::load_file(p.file, d);
        p.abi = std::to_string(loaded.api->abi_major) + "." + std::to_string(loaded.api->abi_minor);
        p.description = loaded.api->description ? loaded.api->description : "";
      } catch (const std::exception& e) {
        p.error = e.what();
      }
    }
    plugins.push_back(std::move(p));
  }
  const std::string abi = std::to_string(STRATA_DIALECT_ABI_MAJOR) + "." + std::to_string(STRATA_DIALECT_ABI_MINOR);
  if (json) {
    nlohmann::json j;
    j["command"] = "version";  // as every command's --json document
    j["name"] = "strata";
    j["version"] = STRATA_VERSION;
    j["dialect_abi"] = abi;
    j["plugin_path"] = dirs;
    j["plugins"] = nlohmann::json::array();
    for (auto& p : plugins) {
      nlohmann::json pj;
      pj["dialect"] = p.dialect;
      pj["file"] = p.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.file);
      pj["status"] = p.error.empty() ? "ok" : p.file.empty() ? "not found" : "refused";
      pj["abi"] = p.abi.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.abi);
      pj["description"] = p.description.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.description);
      pj["error"] = p.error.empty() || p.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.error);
      j["plugins"].push_back(pj);
    }
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  out << "strata " << STRATA_VERSION << "\n"
      << "dialect plugin ABI " << abi << "\n"
      << "plugins:\n";
  size_t width = 0;
  for (auto& p : plugins) width = std::max(width, p.dialect.size());
  for (auto& p : plugins) {
    out << "  " << p.dialect << std::string(width - p.dialect.size() + 2, ' ');
    if (p.file.empty())
      out << "not found\n";
    else if (!p.error.empty())
      out << "refused: " << p.error << "\n";
    else
      out << p.description << " (ABI " << p.abi << ") " << p.file << "\n";
  }
  out << "plugin path:";
  for (auto& d : dirs) out << " " << d;
  out << "\n\nCopyright (c) 2026 The Strata authors. MIT License: see /usr/share/doc/strata/copyright\n"
         "or the LICENSE file of the source tree. There is NO WARRANTY.\n";
  (void)err;
  return 0;
}

// --------------------------------------------------------------- completion

namespace {

/// What the shell should do besides offering the listed words.
enum class Action { Words, Files, Dirs };

struct Candidate {
  std::string word, help;
};

struct Completion {
  Action action = Action::Words;
  std::vector<Candidate> candidates;
};

const OptionInfo* find_long(const std::vector<const std::vector<OptionInfo>*>& sets, const std::string& name) {
  for (auto* s : sets)
    for (auto& o : *s)
      if (o.long_name == name) return &o;
  return nullptr;
}

const OptionInfo* find_short(const std::vector<const std::vector<OptionInfo>*>& sets, const std::string& name) {
  for (auto* s : sets)
    for (auto& o : *s)
      if (o.short_name == name) return &o;
  return nullptr;
}

/// What the words before the cursor say.
struct LineState {
  const CommandInfo* command = nullptr;
  std::string config = "alembic.toml";
  std::vector<std::string> dbs;
  std::vector<std::string> positionals;
  const OptionInfo* expecting = nullptr;  ///< the previous word is an option wanting a value
  bool after_dashdash = false;
};

void record_value(LineState& st, const OptionInfo& o, const std::string& value) {
  if (o.long_name == "config") st.config = value;
  if (o.long_name == "db") st.dbs.push_back(value);
}

LineState scan(const CommandTable& table, const std::vector<std::string>& words) {
  LineState st;
  for (auto& w : words) {
    std::vector<const std::vector<OptionInfo>*> sets{&table.globals};
    if (st.command) sets.push_back(&st.command->options);
    if (st.expecting) {
      record_value(st, *st.expecting, w);
      st.expecting = nullptr;
      continue;
    }
    if (!st.after_dashdash && w == "--") {
      st.after_dashdash = true;
      continue;
    }
    const bool negative_number = w.size() > 1 && w[0] == '-' && std::isdigit(static_cast<unsigned char>(w[1]));
    if (!st.after_dashdash && w.size() > 2 && w.compare(0, 2, "--") == 0) {
      const auto eq = w.find('=');
      const auto* o = find_long(sets, w.substr(2, eq == std::string::npos ? std::string::npos : eq - 2));
      if (o && o->takes_value) {
        if (eq == std::string::npos) st.expecting = o;
        else record_value(st, *o, w.substr(eq + 1));
      }
      continue;
    }
    if (!st.after_dashdash && w.size() > 1 && w[0] == '-' && !negative_number) {
      const auto* o = find_short(sets, w.substr(1, 1));
      if (o && o->takes_value) {
        if (w.size() == 2) st.expecting = o;
        else record_value(st, *o, w.substr(2));
      }
      continue;
    }
    if (!st.command) {
      for (auto& c : table.commands)
        if (c.name == w) st.command = &c;
      if (!st.command) st.positionals.push_back(w);  // an unknown command: nothing sensible follows
      continue;
    }
    st.positionals.push_back(w);
  }
  return st;
}

std::optional<config::Config> try_config(const LineState& st) {
  try {
    return config::load_config(st.config);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// head/heads/base, revision ids and branch labels of the selected chains.
void add_targets(Completion& c, const LineState& st, const std::string& prefix, const std::string& only_db) {
  for (const char* special : {"head", "heads", "base"}) c.candidates.push_back({prefix + special, ""});
  auto cfg = try_config(st);
  if (!cfg) return;
  std::set<std::string> seen_locations;
  for (auto& db : cfg->databases) {
    if (!only_db.empty() ? db.name != only_db
                         : !st.dbs.empty() && std::find(st.dbs.begin(), st.dbs.end(), db.name) == st.dbs.end())
      continue;
    if (!seen_locations.insert(db.location).second) continue;
    try {
      auto chain = runner::load_chain(db.location);
      const auto& g = *chain->graph;
      std::set<std::string> labels;
      for (planner::Index i = 0; i < g.size(); ++i) {
        const auto* rev = g.node(i).rev;
        c.candidates.push_back({prefix + g.id(i), db.name + ": " + rev->message});
        for (auto& l : rev->branch_labels) labels.insert(l);
      }
      for (auto& l : labels) {
        c.candidates.push_back({prefix + l, "branch " + l + " (" + db.name + ")"});
        c.candidates.push_back({prefix + l + "@head", ""});
        c.candidates.push_back({prefix + l + "@base", ""});
      }
      runner::keep_until_exit(chain);
    } catch (const std::exception&) {
      // A broken chain completes nothing; the command itself will say why.
    }
  }
}

void complete_value(Completion& c, const LineState& st, const OptionInfo& o, const std::string& prefix) {
  const std::string& n = o.long_name;
  if (n == "config") {
    c.action = Action::Files;
  } else if (n == "version-path" || n == "output-dir") {
    c.action = Action::Dirs;
  } else if (n == "db") {
    if (auto cfg = try_config(st))
      for (auto& db : cfg->databases) c.candidates.push_back({prefix + db.name, db.location});
  } else if (n == "env") {
    if (auto cfg = try_config(st))
      for (auto& e : cfg->environments) c.candidates.push_back({prefix + e.name, ""});
  } else if (n == "head" || n == "depends-on") {
    add_targets(c, st, prefix, "");
  } else if (n == "format") {
    c.candidates = {{prefix + "text", "text graph"}, {prefix + "dot", "Graphviz"}};
  }
}

Completion complete(const CommandTable& table, const std::vector<std::string>& words, size_t cword) {
  Completion c;
  const std::vector<std::string> before(words.begin(), words.begin() + std::min(cword, words.size()));
  const std::string cur = cword < words.size() ? words[cword] : "";
  LineState st = scan(table, before);
  std::vector<const std::vector<OptionInfo>*> sets{&table.globals};
  if (st.command) sets.push_back(&st.command->options);
  if (st.expecting) {
    complete_value(c, st, *st.expecting, "");
  } else if (!st.after_dashdash && cur.compare(0, 2, "--") == 0 && cur.find('=') != std::string::npos) {
    const auto eq = cur.find('=');
    if (auto* o = find_long(sets, cur.substr(2, eq - 2)); o && o->takes_value)
      complete_value(c, st, *o, cur.substr(0, eq + 1));
  } else if (!st.after_dashdash && !cur.empty() && cur[0] == '-' &&
             !(cur.size() > 1 && std::isdigit(static_cast<unsigned char>(cur[1])))) {
    for (auto* s : sets)
      for (auto& o : *s) c.candidates.push_back({"--" + o.long_name, o.description});
  } else if (!st.command) {
    if (st.positionals.empty())
      for (auto& cmd : table.commands) c.candidates.push_back({cmd.name, cmd.summary});
  } else {
    const std::string& n = st.command->name;
    if (n == "upgrade" || n == "downgrade") {
      // DB=TARGET: that database's chain.
      if (auto eq = cur.find('='); eq != std::string::npos)
        add_targets(c, st, cur.substr(0, eq + 1), cur.substr(0, eq));
      else
        add_targets(c, st, "", "");
    } else if (n == "stamp" || n == "merge") {
      add_targets(c, st, "", "");
    } else if (n == "show" && st.positionals.empty()) {
      add_targets(c, st, "", "");
    } else if (n == "init" && st.positionals.empty()) {
      c.action = Action::Dirs;
    } else if (n == "resolve" && st.positionals.empty()) {
      c.candidates = {{"applied", "the revision took full effect: record it"},
                      {"reverted", "the revision's effects were undone: forget it"}};
    }
  }
  // Only what fits the word typed so far, each once, in order.
  std::vector<Candidate> kept;
  std::set<std::string> seen;
  for (auto& cand : c.candidates)
    if (cand.word.compare(0, cur.size(), cur) == 0 && seen.insert(cand.word).second) kept.push_back(cand);
  c.candidates = std::move(kept);
  return c;
}

std::string one_line(std::string s) {
  for (auto& ch : s)
    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
  return s;
}

int complete_main(const std::vector<std::string>& args, const CommandTable& table, std::ostream& out,
                  std::ostream& err) {
  // strata __complete commands             the command names, one a line
  // strata __complete options [COMMAND]    its options (global ones without COMMAND)
  // strata __complete CWORD WORD...        candidates for WORD number CWORD (0 = the
  //                                        word after "strata"); first line: words|files|dirs,
  //                                        then "candidate<TAB>description" lines
  if (args.size() >= 2 && args[1] == "commands") {
    for (auto& c : table.commands) out << c.name << "\n";
    return 0;
  }
  if (args.size() >= 2 && args[1] == "options") {
    const std::vector<OptionInfo>* opts = &table.globals;
    if (args.size() >= 3) {
      opts = nullptr;
      for (auto& c : table.commands)
        if (c.name == args[2]) opts = &c.options;
      if (!opts) {
        err << "strata: __complete options: no command '" << args[2] << "'\n";
        return 2;
      }
    }
    for (auto& o : *opts)
      out << "--" << o.long_name << (o.short_name.empty() ? "" : " -" + o.short_name)
          << (o.takes_value ? " " + o.value_name : "") << "\n";
    return 0;
  }
  if (args.size() < 2 || args[1].empty() || args[1].find_first_not_of("0123456789") != std::string::npos ||
      args[1].size() > 6) {
    err << "strata: __complete: usage: strata __complete CWORD [WORD...]\n";
    return 2;
  }
  const size_t cword = std::stoul(args[1]);
  std::vector<std::string> words(args.begin() + 2, args.end());
  auto c = complete(table, words, cword);
  out << (c.action == Action::Files ? "files" : c.action == Action::Dirs ? "dirs" : "words") << "\n";
  for (auto& cand : c.candidates)
    out << one_line(cand.word) << (cand.help.empty() ? "" : "\t" + one_line(cand.help)) << "\n";
  return 0;
}

}  // namespace

std::optional<int> dispatch(const std::vector<std::string>& args, const std::function<CommandTable()>& table,
                            std::ostream& out, std::ostream& err) {
  if (args.empty()) return std::nullopt;
  if (args[0] == "__complete") {
    try {
      return complete_main(args, table(), out, err);
    } catch (const std::exception& e) {
      // Completion must never spill errors into the user's prompt.
      return 1;
    }
  }
  // --version among the options before the command name (GNU style:
  // "strata --version", "strata -c x.toml --version --json").
  if (std::find(args.begin(), args.end(), "--version") == args.end()) return std::nullopt;
  const CommandTable t = table();
  std::vector<const std::vector<OptionInfo>*> sets{&t.globals};
  bool wanted = false, json = false;
  std::string config_path = "alembic.toml";
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--" || a.size() < 2 || a[0] != '-') break;
    if (a == "--version") {
      wanted = true;
      continue;
    }
    const bool is_long = a.compare(0, 2, "--") == 0;
    const auto eq = a.find('=');
    const OptionInfo* o = is_long ? find_long(sets, a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2))
                                  : find_short(sets, a.substr(1, 1));
    if (!o) continue;
    std::string value;
    if (o->takes_value) {
      if (is_long && eq != std::string::npos) value = a.substr(eq + 1);
      else if (!is_long && a.size() > 2) value = a.substr(2);
      else if (i + 1 < args.size()) value = args[++i];
    }
    if (o->long_name == "json") json = true;
    if (o->long_name == "config") config_path = value;
  }
  if (!wanted) return std::nullopt;
  return version(json, config_path, out, err);
}

}  // namespace strata::cli::meta

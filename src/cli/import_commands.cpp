// `strata import alembic`: the command around src/importer.
#include <filesystem>

#include "context.hpp"
#include "strata/bridge/bridge.hpp"
#include "strata/importer/alembic_import.hpp"

namespace strata::cli {

void add_import_options(po::options_description& d) {
  d.add_options()
      ("ini", po::value<std::string>()->value_name("PATH"), "the Alembic project's ini file (default alembic.ini)")
      ("name", po::value<std::string>()->value_name("NAME"), "name of the Strata database (default main; multidb: the engines' names)")
      ("dialect", po::value<std::vector<std::string>>()->value_name("D[,D2]")->composing(),
       "dialects to write SQL for: sqlite, postgresql, mysql (NAME=D for one engine of a multidb project; "
       "default: the dialect of sqlalchemy.url)")
      ("to", po::value<std::string>()->value_name("DIR"), "folder for the revision files (default migrations/NAME)")
      ("dev-url", po::value<std::vector<std::string>>()->value_name("URL")->composing(),
       "a PostgreSQL or MySQL server where scratch databases may be created and dropped (one per dialect)")
      ("force", po::bool_switch(), "rewrite revision files already imported");
}

int cmd_import(Context& ctx) {
  if (ctx.positional.size() != 1 || ctx.positional[0] != "alembic")
    throw UserError("usage: strata import alembic [--ini alembic.ini] [--name NAME] --dialect D[,D2...] "
                    "[--to DIR] [--dev-url URL] [--force] (the only source Strata imports is alembic)");
  importer::ImportOptions o;
  if (ctx.vm.count("ini")) o.ini = ctx.vm["ini"].as<std::string>();
  o.config = ctx.globals.config;
  if (ctx.vm.count("name")) o.name = ctx.vm["name"].as<std::string>();
  o.dialects = multi(ctx, "dialect");
  if (ctx.vm.count("to")) o.to = ctx.vm["to"].as<std::string>();
  o.dev_urls = multi(ctx, "dev-url");
  o.force = flag(ctx, "force");
  // Plugins for the scratch databases and the splitters: the existing
  // config's plugin_path when there is one.
  std::vector<std::string> plugin_path;
  if (std::filesystem::exists(o.config)) plugin_path = ctx.load().plugin_path;
  dialect::PluginRegistry plugins(plugin_path);
  importer::ImportReport report;
  try {
    report = importer::import_alembic(o, plugins, ctx.err);
  } catch (const bridge::Interrupted&) {
    // Unwinding dropped the scratch databases and temporary folders.
    ctx.err << "strata: interrupted: nothing was written; the scratch databases are dropped\n";
    return static_cast<int>(ExitCode::Interrupted);
  } catch (const bridge::BridgeError& e) {
    throw UserError(e.what());
  }
  if (ctx.globals.json) ctx.out << importer::report_json(report) << "\n";
  else importer::print_report(report, ctx.out);
  return report.exit_code();
}

}  // namespace strata::cli

#include "strata/schema/catalog.hpp"

#include "json_detail.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace strata::schema {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Reading with the path of each value, for errors a plugin author can act on.
struct In {
  const json& j;
  std::string path;

  In at(const char* key) const {
    if (!j.is_object()) fail("expected an object");
    auto it = j.find(key);
    if (it == j.end()) throw std::runtime_error(path + "." + key + ": missing");
    return {*it, path + "." + key};
  }
  In item(size_t i) const { return {j[i], path + "[" + std::to_string(i) + "]"}; }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error((path.empty() ? "catalog" : path) + ": " + what);
  }
  std::string str() const {
    if (!j.is_string()) fail("expected a string");
    return j.get<std::string>();
  }
  std::optional<std::string> opt_str() const {
    if (j.is_null()) return std::nullopt;
    return str();
  }
  bool boolean() const {
    if (!j.is_boolean()) fail("expected true or false");
    return j.get<bool>();
  }
  int64_t integer() const {
    if (!j.is_number_integer()) fail("expected an integer");
    return j.get<int64_t>();
  }
  std::optional<int64_t> opt_integer() const {
    if (j.is_null()) return std::nullopt;
    return integer();
  }
  template <class F>
  void each(F f) const {
    if (!j.is_array()) fail("expected a list");
    for (size_t i = 0; i < j.size(); ++i) f(item(i));
  }
  std::vector<std::string> strings() const {
    std::vector<std::string> out;
    each([&](const In& v) { out.push_back(v.str()); });
    return out;
  }
};

}  // namespace

namespace detail {
ordered_json opt(const std::optional<std::string>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }
ordered_json opt(const std::optional<int64_t>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }
}  // namespace detail
using detail::opt;

namespace {

KeyColumns key_of(const In& in) { return {in.at("name").opt_str(), in.at("columns").strings()}; }
}  // namespace

namespace detail {
ordered_json key_json(const KeyColumns& k) {
  ordered_json j;
  j["name"] = opt(k.name);
  j["columns"] = k.columns;
  return j;
}
}  // namespace detail
using detail::key_json;

namespace {

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& qualified) {
  for (auto& i : items)
    if (i.qualified() == qualified) return &i;
  return nullptr;
}

std::string qualify(const std::optional<std::string>& schema, const std::string& name) {
  return schema ? *schema + "." + name : name;
}

}  // namespace

std::string Table::qualified() const { return qualify(schema, name); }
std::string View::qualified() const { return qualify(schema, name); }
std::string Sequence::qualified() const { return qualify(schema, name); }
std::string Enum::qualified() const { return qualify(schema, name); }

const Column* Table::column(const std::string& n) const {
  for (auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

const Table* Catalog::table(const std::string& qualified) const { return find_named(tables, qualified); }

Catalog parse_catalog(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw std::runtime_error("catalog: not valid JSON");
  In root{doc, ""};
  if (root.at("format").integer() != 1)
    throw std::runtime_error("catalog: format " + root.at("format").j.dump() + " (this strata reads format 1)");
  Catalog c;
  c.dialect = root.at("dialect").str();
  root.at("tables").each([&](const In& t) {
    Table tab;
    tab.schema = t.at("schema").opt_str();
    tab.name = t.at("name").str();
    tab.comment = t.at("comment").opt_str();
    t.at("columns").each([&](const In& col) {
      Column cl;
      cl.name = col.at("name").str();
      cl.type = col.at("type").str();
      cl.normalized_type = col.at("normalized_type").str();
      cl.nullable = col.at("nullable").boolean();
      cl.default_expr = col.at("default").opt_str();
      cl.identity = col.at("identity").opt_str();
      cl.autoincrement = col.at("autoincrement").boolean();
      cl.collation = col.at("collation").opt_str();
      cl.comment = col.at("comment").opt_str();
      tab.columns.push_back(std::move(cl));
    });
    if (!t.at("primary_key").j.is_null()) tab.primary_key = key_of(t.at("primary_key"));
    t.at("unique_constraints").each([&](const In& u) { tab.unique_constraints.push_back(key_of(u)); });
    t.at("indexes").each([&](const In& ix) {
      Index i;
      i.name = ix.at("name").str();
      i.unique = ix.at("unique").boolean();
      ix.at("columns").each([&](const In& ic) {
        IndexColumn c;
        c.column = ic.at("column").opt_str();
        c.expression = ic.at("expression").opt_str();
        c.descending = ic.at("descending").boolean();
        c.prefix = ic.at("prefix").opt_integer();
        if (!c.column && !c.expression) ic.fail("an index column needs a column or an expression");
        i.columns.push_back(std::move(c));
      });
      i.where = ix.at("where").opt_str();
      i.method = ix.at("method").opt_str();
      tab.indexes.push_back(std::move(i));
    });
    t.at("foreign_keys").each([&](const In& f) {
      ForeignKey fk;
      fk.name = f.at("name").opt_str();
      fk.columns = f.at("columns").strings();
      fk.ref_schema = f.at("ref_schema").opt_str();
      fk.ref_table = f.at("ref_table").str();
      fk.ref_columns = f.at("ref_columns").strings();
      fk.on_delete = f.at("on_delete").opt_str();
      fk.on_update = f.at("on_update").opt_str();
      fk.deferrable = f.at("deferrable").boolean();
      fk.initially_deferred = f.at("initially_deferred").boolean();
      tab.foreign_keys.push_back(std::move(fk));
    });
    t.at("checks").each([&](const In& ch) { tab.checks.push_back({ch.at("name").opt_str(), ch.at("expression").str()}); });
    // Missing in documents written before triggers were held: none.
    if (t.j.contains("triggers"))
      t.at("triggers").each([&](const In& tr) {
        tab.triggers.push_back({tr.at("name").str(), tr.at("definition").str()});
      });
    c.tables.push_back(std::move(tab));
  });
  root.at("views").each([&](const In& v) {
    c.views.push_back({v.at("schema").opt_str(), v.at("name").str(), v.at("definition").str()});
  });
  root.at("sequences").each([&](const In& s) {
    Sequence q;
    q.schema = s.at("schema").opt_str();
    q.name = s.at("name").str();
    q.type = s.at("type").str();
    q.start = s.at("start").integer();
    q.increment = s.at("increment").integer();
    q.min = s.at("min").integer();
    q.max = s.at("max").integer();
    q.cycle = s.at("cycle").boolean();
    q.owned_by = s.at("owned_by").opt_str();
    c.sequences.push_back(std::move(q));
  });
  root.at("enums").each([&](const In& e) {
    c.enums.push_back({e.at("schema").opt_str(), e.at("name").str(), e.at("values").strings()});
  });
  // Missing in documents written before schemas were held: none.
  if (doc.contains("schemas")) c.schemas = root.at("schemas").strings();
  return c;
}

namespace detail {

ordered_json column_json(const Column& col) {
  ordered_json cj;
  cj["name"] = col.name;
  cj["type"] = col.type;
  cj["normalized_type"] = col.normalized_type;
  cj["nullable"] = col.nullable;
  cj["default"] = opt(col.default_expr);
  cj["identity"] = opt(col.identity);
  cj["autoincrement"] = col.autoincrement;
  cj["collation"] = opt(col.collation);
  cj["comment"] = opt(col.comment);
  return cj;
}

ordered_json index_json(const Index& i) {
  ordered_json ij;
  ij["name"] = i.name;
  ij["unique"] = i.unique;
  ij["columns"] = ordered_json::array();
  for (auto& ic : i.columns) {
    ordered_json cj;
    cj["column"] = opt(ic.column);
    cj["expression"] = opt(ic.expression);
    cj["descending"] = ic.descending;
    cj["prefix"] = opt(ic.prefix);
    ij["columns"].push_back(std::move(cj));
  }
  ij["where"] = opt(i.where);
  ij["method"] = opt(i.method);
  return ij;
}

ordered_json foreign_key_json(const ForeignKey& f) {
  ordered_json fj;
  fj["name"] = opt(f.name);
  fj["columns"] = f.columns;
  fj["ref_schema"] = opt(f.ref_schema);
  fj["ref_table"] = f.ref_table;
  fj["ref_columns"] = f.ref_columns;
  fj["on_delete"] = opt(f.on_delete);
  fj["on_update"] = opt(f.on_update);
  fj["deferrable"] = f.deferrable;
  fj["initially_deferred"] = f.initially_deferred;
  return fj;
}

ordered_json check_json(const Check& ch) { return {{"name", opt(ch.name)}, {"expression", ch.expression}}; }

ordered_json trigger_json(const Trigger& tr) { return {{"name", tr.name}, {"definition", tr.definition}}; }

ordered_json table_json(const Table& t) {
  ordered_json tj;
  tj["schema"] = opt(t.schema);
  tj["name"] = t.name;
  tj["comment"] = opt(t.comment);
  tj["columns"] = ordered_json::array();
  for (auto& col : t.columns) tj["columns"].push_back(column_json(col));
  tj["primary_key"] = t.primary_key ? key_json(*t.primary_key) : ordered_json(nullptr);
  tj["unique_constraints"] = ordered_json::array();
  for (auto& u : t.unique_constraints) tj["unique_constraints"].push_back(key_json(u));
  tj["indexes"] = ordered_json::array();
  for (auto& i : t.indexes) tj["indexes"].push_back(index_json(i));
  tj["foreign_keys"] = ordered_json::array();
  for (auto& f : t.foreign_keys) tj["foreign_keys"].push_back(foreign_key_json(f));
  tj["checks"] = ordered_json::array();
  for (auto& ch : t.checks) tj["checks"].push_back(check_json(ch));
  tj["triggers"] = ordered_json::array();
  for (auto& tr : t.triggers) tj["triggers"].push_back(trigger_json(tr));
  return tj;
}

ordered_json view_json(const View& v) {
  return {{"schema", opt(v.schema)}, {"name", v.name}, {"definition", v.definition}};
}

ordered_json sequence_json(const Sequence& s) {
  ordered_json sj;
  sj["schema"] = opt(s.schema);
  sj["name"] = s.name;
  sj["type"] = s.type;
  sj["start"] = s.start;
  sj["increment"] = s.increment;
  sj["min"] = s.min;
  sj["max"] = s.max;
  sj["cycle"] = s.cycle;
  sj["owned_by"] = opt(s.owned_by);
  return sj;
}

ordered_json enum_json(const Enum& e) { return {{"schema", opt(e.schema)}, {"name", e.name}, {"values", e.values}}; }

}  // namespace detail

std::string to_json(const Catalog& c) {
  using namespace detail;
  ordered_json root;
  root["format"] = 1;
  root["dialect"] = c.dialect;
  root["tables"] = ordered_json::array();
  for (auto& t : c.tables) root["tables"].push_back(table_json(t));
  root["views"] = ordered_json::array();
  for (auto& v : c.views) root["views"].push_back(view_json(v));
  root["sequences"] = ordered_json::array();
  for (auto& s : c.sequences) root["sequences"].push_back(sequence_json(s));
  root["enums"] = ordered_json::array();
  for (auto& e : c.enums) root["enums"].push_back(enum_json(e));
  root["schemas"] = c.schemas;
  return root.dump();
}

}  // namespace strata::schema

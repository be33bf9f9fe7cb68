// The PostgreSQL plugin's introspect (dialect ABI 1.2) against a real
// server (STRATA_TEST_PG_URL): the catalog document, format 1
// (src/schema/include/strata/schema/catalog.hpp), parsed with nlohmann.
// Every test works in fresh databases of its own, dropped at the end.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "db_support.hpp"
#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"

using namespace strata;
using json = nlohmann::json;

namespace {

// A TCP proxy to the server that counts the queries clients send: simple
// Query ('Q') and extended-protocol Parse ('P') messages.
class CountingProxy {
 public:
  CountingProxy(const std::string& host, unsigned port) : target_host_(host), target_port_(port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("proxy: cannot listen");
    port_ = ntohs(addr.sin_port);
    if (::pipe(stop_) != 0) throw std::runtime_error("proxy: pipe");
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~CountingProxy() {
    char c = 'x';
    (void)!::write(stop_[1], &c, 1);
    acceptor_.join();
    for (auto& t : sessions_) t.join();
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  unsigned port() const { return port_; }
  long queries() const { return queries_.load(); }

 private:
  void accept_loop() {
    while (true) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;
      if (p[1].revents) return;
      int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(target_port_));
      ::inet_pton(AF_INET, target_host_.c_str(), &addr.sin_addr);
      if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      sessions_.emplace_back([this, client, server] { pump(client, server); });
    }
  }

  // Forwards both ways; parses the client's stream: untyped messages
  // (SSLRequest, GSSENCRequest, StartupMessage) first, then typed ones.
  void pump(int client, int server) {
    std::string in;  // client bytes not parsed yet
    bool typed = false;
    char buf[65536];
    while (true) {
      pollfd p[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 3, -1) < 0) continue;
      if (p[2].revents) break;
      if (p[0].revents) {
        ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
        while (true) {
          auto be32 = [&](size_t at) {
            uint32_t v;
            std::memcpy(&v, in.data() + at, 4);
            return ntohl(v);
          };
          if (!typed) {
            if (in.size() < 8) break;
            uint32_t len = be32(0), code = be32(4);
            if (in.size() < len) break;
            if (code != 80877103 && code != 80877104) typed = true;  // the StartupMessage
            in.erase(0, len);
          } else {
            if (in.size() < 5) break;
            uint32_t len = be32(1);
            if (in.size() < len + 1) break;
            if (in[0] == 'Q' || in[0] == 'P') ++queries_;
            in.erase(0, len + 1);
          }
        }
        if (!send_all(server, buf, static_cast<size_t>(n))) break;
      }
      if (p[1].revents) {
        ssize_t n = ::read(server, buf, sizeof buf);
        if (n <= 0) break;
        if (!send_all(client, buf, static_cast<size_t>(n))) break;
      }
    }
    ::close(client);
    ::close(server);
  }
  static bool send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }

  std::string target_host_;
  unsigned target_port_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  unsigned port_ = 0;
  std::atomic<long> queries_{0};
  std::thread acceptor_;
  std::vector<std::thread> sessions_;
};

// The plugin's API called directly, without the host's wrapper: the
// error object exactly as the plugin fills it, and NULL options.
class RawConnection {
 public:
  explicit RawConnection(const std::string& url) : api_(test::plugins().get("postgresql").api) {
    const auto u = config::parse_url(url, "/");
    const std::string masked = u.masked(), port = std::to_string(u.port);
    strata_connect_params p{};
    p.struct_size = sizeof p;
    p.url_masked = masked.c_str();
    p.scheme = "postgresql";
    p.user = u.user.c_str();
    p.password = u.has_password ? u.password.c_str() : nullptr;
    p.host = u.host.c_str();
    p.port = u.port;
    p.database = u.database.c_str();
    p.lock_timeout_seconds = -1;
    strata_error* err = nullptr;
    if (api_->connect(&p, &conn_, &err) != STRATA_OK) {
      std::string m = err && err->message ? err->message : "?";
      api_->error_free(err);
      throw std::runtime_error(m);
    }
  }
  ~RawConnection() { api_->disconnect(conn_); }
  struct Outcome {
    strata_status status;
    std::string text;  // the document, or the error's message
    std::string sqlstate;
  };
  Outcome introspect(const char* options) {
    strata_string_list* list = nullptr;
    strata_error* err = nullptr;
    const strata_status st = api_->introspect(conn_, options, &list, &err);
    Outcome o{st, "", ""};
    if (list) {
      if (list->count == 1) o.text = list->items[0];
      api_->string_list_free(list);
    }
    if (err) {
      o.text = err->message ? err->message : "";
      o.sqlstate = err->sqlstate ? err->sqlstate : "";
      api_->error_free(err);
    }
    return o;
  }
  strata_status execute(const std::string& sql) {
    strata_error* err = nullptr;
    const strata_status st = api_->execute(conn_, sql.c_str(), sql.size(), nullptr, nullptr, &err);
    api_->error_free(err);
    return st;
  }

 private:
  const strata_dialect_api* api_;
  strata_conn* conn_ = nullptr;
};

class IntrospectPostgresql : public ::testing::Test {
 protected:
  std::string admin_url;
  std::unique_ptr<dialect::Connection> admin;
  std::vector<std::string> databases;

  void SetUp() override {
    admin_url = test::admin_url("postgresql");
    admin = test::connect(admin_url);
  }
  void TearDown() override {
    for (const auto& db : databases) {
      try {
        admin->execute("DROP DATABASE IF EXISTS " + admin->plugin().quote(db) + " WITH (FORCE)", true);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cannot drop test database " << db << ": " << e.what();
      }
    }
  }
  // A fresh database; returns its URL.
  std::string fresh_database() {
    static std::atomic<int> counter{0};
    std::string name = "strata_introspect_" + std::to_string(::getpid()) + "_" +
                       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000) +
                       "_" + std::to_string(counter++);
    admin->execute("CREATE DATABASE " + admin->plugin().quote(name), true);
    databases.push_back(name);
    return test::with_database(admin_url, name);
  }
  static json introspect(dialect::Connection& c, const std::string& options = "{}") {
    return json::parse(c.introspect(options));
  }
};

// Lookups by name in a parsed catalog (failing the test when missing).
const json& find(const json& list, const std::string& name, const char* key = "name") {
  for (const auto& item : list)
    if (item[key].is_string() && item[key] == name) return item;
  ADD_FAILURE() << "no " << name << " in " << list.dump();
  static const json empty = json::object();
  return empty;
}
// `schema` "": the default (current) schema, null in the catalog.
const json& table(const json& catalog, const std::string& schema, const std::string& name) {
  const json want = schema.empty() ? json() : json(schema);
  for (const auto& t : catalog["tables"])
    if (t["schema"] == want && t["name"] == name) return t;
  ADD_FAILURE() << "no table " << schema << "." << name;
  static const json empty = json::object();
  return empty;
}
// "schema.name", or "name" in the default schema.
std::string qualified_name(const json& t) {
  return (t["schema"].is_null() ? std::string() : t["schema"].get<std::string>() + ".") + t["name"].get<std::string>();
}
std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item["name"].get<std::string>());
  return out;
}
using Names = std::vector<std::string>;

const char* const kSchema = R"SQL(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE "Empty Enum" AS ENUM ();
CREATE TABLE users (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(255) NOT NULL UNIQUE,
  name text COLLATE "C",
  balance numeric(10,2) DEFAULT 0 CHECK (balance >= 0),
  created timestamptz NOT NULL DEFAULT now(),
  seen timestamp(3) without time zone,
  token uuid DEFAULT gen_random_uuid(),
  tags text[],
  data jsonb,
  m mood DEFAULT 'ok',
  active boolean DEFAULT true,
  score double precision,
  ratio real,
  code char(3),
  at time,
  CONSTRAINT ck_name CHECK (name <> ''),
  CONSTRAINT uq_users_code UNIQUE (code)
);
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'mail';
CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id integer,
  n bigint GENERATED BY DEFAULT AS IDENTITY,
  note varchar,
  UNIQUE (user_id, n),
  CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE order_lines (
  order_id integer REFERENCES orders ON DELETE SET NULL,
  line integer,
  user_email varchar(255) REFERENCES users (email) ON DELETE SET DEFAULT DEFERRABLE,
  CONSTRAINT pk_order_lines PRIMARY KEY (order_id, line)
);
CREATE INDEX ix_users_lower ON users (lower(email));
CREATE INDEX ix_users_partial ON users (created DESC, id) WHERE active;
CREATE INDEX ix_users_gin ON users USING gin (data);
CREATE UNIQUE INDEX ux_users_token ON users (token);
CREATE INDEX ON orders (note);
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
CREATE SEQUENCE free_seq AS integer START 5 INCREMENT 2 MINVALUE 1 MAXVALUE 1000 CYCLE;
CREATE SEQUENCE owned_seq;
ALTER SEQUENCE owned_seq OWNED BY orders.note;
CREATE TABLE "Odd Table" ("Col A" integer PRIMARY KEY, "x y" text CHECK ("x y" <> 'no'));
CREATE INDEX "Odd Index" ON "Odd Table" ("x y");
COMMENT ON COLUMN "Odd Table"."Col A" IS 'odd';
)SQL";

TEST_F(IntrospectPostgresql, EmptyDatabaseIsAnEmptyCatalog) {
  auto c = test::connect(fresh_database());
  EXPECT_EQ(c->introspect("{}"),
            R"J({"format":1,"dialect":"postgresql","tables":[],"views":[],"sequences":[],"enums":[],"schemas":[]})J");
  // No options at all: the current schema too.
  EXPECT_EQ(c->introspect(""), c->introspect("{}"));
}

// Every key, in the documented order, for a small table.
TEST_F(IntrospectPostgresql, ExactDocumentForASmallTable) {
  auto c = test::connect(fresh_database());
  c->execute("CREATE TABLE t (id bigserial PRIMARY KEY, v varchar(10) NOT NULL DEFAULT 'x')");
  EXPECT_EQ(
      c->introspect("{}"),
      R"J({"format":1,"dialect":"postgresql","tables":[{"schema":null,"name":"t","comment":null,"columns":[)J"
      R"J({"name":"id","type":"bigint","normalized_type":"bigint","nullable":false,"default":"nextval('t_id_seq'::regclass)",)J"
      R"J("identity":null,"autoincrement":true,"collation":null,"comment":null},)J"
      R"J({"name":"v","type":"character varying(10)","normalized_type":"varchar(10)","nullable":false,)J"
      R"J("default":"'x'::character varying","identity":null,"autoincrement":false,"collation":null,"comment":null}],)J"
      R"J("primary_key":{"name":"t_pkey","columns":["id"]},"unique_constraints":[],"indexes":[],"foreign_keys":[],"checks":[],"triggers":[]}],)J"
      R"J("views":[],"sequences":[{"schema":null,"name":"t_id_seq","type":"bigint","start":1,"increment":1,"min":1,)J"
      R"J("max":9223372036854775807,"cycle":false,"owned_by":"t.id"}],"enums":[],"schemas":[]})J");
}

TEST_F(IntrospectPostgresql, EveryObjectKind) {
  auto c = test::connect(fresh_database());
  c->execute(kSchema);
  const json cat = introspect(*c);
  EXPECT_EQ(cat["format"], 1);
  EXPECT_EQ(cat["dialect"], "postgresql");
  // Sorted by (schema, name), byte-wise: "Odd Table" < "order_lines" < ...
  EXPECT_EQ(names(cat["tables"]), (Names{"Odd Table", "order_lines", "orders", "users"}));

  const json& users = table(cat, "", "users");
  EXPECT_EQ(users["comment"], "people");
  EXPECT_EQ(names(users["columns"]), (Names{"id", "email", "name", "balance", "created", "seen", "token", "tags",
                                            "data", "m", "active", "score", "ratio", "code", "at"}));
  const json& cols = users["columns"];
  auto col = [&](const std::string& n) -> const json& { return find(cols, n); };
  EXPECT_EQ(col("id")["identity"], "always");
  EXPECT_EQ(col("id")["autoincrement"], false);
  EXPECT_EQ(col("id")["default"], nullptr);
  EXPECT_EQ(col("id")["nullable"], false);
  EXPECT_EQ(col("email")["type"], "character varying(255)");
  EXPECT_EQ(col("email")["normalized_type"], "varchar(255)");
  EXPECT_EQ(col("email")["comment"], "mail");
  EXPECT_EQ(col("email")["collation"], nullptr);
  EXPECT_EQ(col("name")["collation"], "C");
  EXPECT_EQ(col("name")["nullable"], true);
  EXPECT_EQ(col("balance")["type"], "numeric(10,2)");
  EXPECT_EQ(col("balance")["normalized_type"], "numeric(10,2)");
  EXPECT_EQ(col("balance")["default"], "0");
  EXPECT_EQ(col("created")["type"], "timestamp with time zone");
  EXPECT_EQ(col("created")["normalized_type"], "timestamptz");
  EXPECT_EQ(col("created")["default"], "now()");
  EXPECT_EQ(col("seen")["type"], "timestamp(3) without time zone");
  EXPECT_EQ(col("seen")["normalized_type"], "timestamp(3)");
  EXPECT_EQ(col("token")["type"], "uuid");
  EXPECT_EQ(col("token")["default"], "gen_random_uuid()");
  EXPECT_EQ(col("tags")["type"], "text[]");
  EXPECT_EQ(col("tags")["normalized_type"], "text[]");
  EXPECT_EQ(col("data")["normalized_type"], "jsonb");
  EXPECT_EQ(col("m")["type"], "mood");
  EXPECT_EQ(col("m")["default"], "'ok'::mood");
  EXPECT_EQ(col("active")["normalized_type"], "boolean");
  EXPECT_EQ(col("active")["default"], "true");
  EXPECT_EQ(col("score")["normalized_type"], "double");
  EXPECT_EQ(col("ratio")["normalized_type"], "real");
  EXPECT_EQ(col("code")["type"], "character(3)");
  EXPECT_EQ(col("code")["normalized_type"], "char(3)");
  EXPECT_EQ(col("at")["normalized_type"], "time");
  EXPECT_EQ(users["primary_key"], json::parse(R"J({"name":"users_pkey","columns":["id"]})J"));
  // Unique constraints (named and unnamed), sorted by name; unique indexes
  // are indexes.
  EXPECT_EQ(users["unique_constraints"],
            json::parse(R"J([{"name":"uq_users_code","columns":["code"]},{"name":"users_email_key","columns":["email"]}])J"));
  EXPECT_EQ(users["checks"], json::parse(R"J([{"name":"ck_name","expression":"(name <> ''::text)"},)J"
                                          R"J({"name":"users_balance_check","expression":"(balance >= (0)::numeric)"}])J"));
  EXPECT_EQ(names(users["indexes"]), (Names{"ix_users_gin", "ix_users_lower", "ix_users_partial", "ux_users_token"}));
  const json& ixs = users["indexes"];
  EXPECT_EQ(find(ixs, "ix_users_lower"),
            json::parse(R"J({"name":"ix_users_lower","unique":false,"columns":[{"column":null,)J"
                        R"J("expression":"lower(email::text)","descending":false,"prefix":null}],"where":null,"method":"btree"})J"));
  EXPECT_EQ(find(ixs, "ix_users_partial"),
            json::parse(R"J({"name":"ix_users_partial","unique":false,"columns":[)J"
                        R"J({"column":"created","expression":null,"descending":true,"prefix":null},)J"
                        R"J({"column":"id","expression":null,"descending":false,"prefix":null}],"where":"active","method":"btree"})J"));
  EXPECT_EQ(find(ixs, "ix_users_gin")["method"], "gin");
  EXPECT_EQ(find(ixs, "ux_users_token")["unique"], true);
  EXPECT_EQ(users["foreign_keys"], json::array());

  const json& orders = table(cat, "", "orders");
  EXPECT_EQ(orders["comment"], nullptr);
  EXPECT_EQ(find(orders["columns"], "id")["autoincrement"], true);
  EXPECT_EQ(find(orders["columns"], "id")["default"], "nextval('orders_id_seq'::regclass)");
  EXPECT_EQ(find(orders["columns"], "id")["identity"], nullptr);
  EXPECT_EQ(find(orders["columns"], "n")["identity"], "by default");
  EXPECT_EQ(find(orders["columns"], "n")["autoincrement"], false);
  EXPECT_EQ(find(orders["columns"], "note")["type"], "character varying");
  EXPECT_EQ(find(orders["columns"], "note")["normalized_type"], "varchar");
  EXPECT_EQ(orders["unique_constraints"],
            json::parse(R"J([{"name":"orders_user_id_n_key","columns":["user_id","n"]}])J"));
  // An unnamed index gets the server's name.
  EXPECT_EQ(names(orders["indexes"]), (Names{"orders_note_idx"}));
  EXPECT_EQ(orders["foreign_keys"],
            json::parse(R"J([{"name":"fk_orders_user","columns":["user_id"],"ref_schema":null,"ref_table":"users",)J"
                        R"J("ref_columns":["id"],"on_delete":"CASCADE","on_update":"RESTRICT","deferrable":true,)J"
                        R"J("initially_deferred":true}])J"));

  const json& lines = table(cat, "", "order_lines");
  EXPECT_EQ(lines["primary_key"], json::parse(R"J({"name":"pk_order_lines","columns":["order_id","line"]})J"));
  EXPECT_EQ(lines["foreign_keys"],
            json::parse(R"J([{"name":"order_lines_order_id_fkey","columns":["order_id"],"ref_schema":null,)J"
                        R"J("ref_table":"orders","ref_columns":["id"],"on_delete":"SET NULL","on_update":null,)J"
                        R"J("deferrable":false,"initially_deferred":false},)J"
                        R"J({"name":"order_lines_user_email_fkey","columns":["user_email"],"ref_schema":null,)J"
                        R"J("ref_table":"users","ref_columns":["email"],"on_delete":"SET DEFAULT","on_update":null,)J"
                        R"J("deferrable":true,"initially_deferred":false}])J"));

  // Quoted identifiers: names as they are, never quoted.
  const json& odd = table(cat, "", "Odd Table");
  EXPECT_EQ(names(odd["columns"]), (Names{"Col A", "x y"}));
  EXPECT_EQ(find(odd["columns"], "Col A")["comment"], "odd");
  EXPECT_EQ(odd["primary_key"], json::parse(R"J({"name":"Odd Table_pkey","columns":["Col A"]})J"));
  EXPECT_EQ(odd["indexes"], json::parse(R"J([{"name":"Odd Index","unique":false,"columns":[{"column":"x y",)J"
                                        R"J("expression":null,"descending":false,"prefix":null}],"where":null,"method":"btree"}])J"));
  EXPECT_EQ(odd["checks"], json::parse(R"J([{"name":"Odd Table_x y_check","expression":"(\"x y\" <> 'no'::text)"}])J"));

  EXPECT_EQ(cat["views"].size(), 1u);
  EXPECT_EQ(cat["views"][0]["schema"], nullptr);
  EXPECT_EQ(cat["views"][0]["name"], "active_users");
  EXPECT_EQ(cat["views"][0]["definition"], "SELECT users.id,\n    users.email\n   FROM users\n  WHERE users.active");

  // Sequences: serial-owned and OWNED BY ones with their column, free ones
  // with null; identity sequences are not listed.
  EXPECT_EQ(names(cat["sequences"]), (Names{"free_seq", "orders_id_seq", "owned_seq"}));
  EXPECT_EQ(find(cat["sequences"], "free_seq"),
            json::parse(R"J({"schema":null,"name":"free_seq","type":"integer","start":5,"increment":2,"min":1,)J"
                        R"J("max":1000,"cycle":true,"owned_by":null})J"));
  EXPECT_EQ(find(cat["sequences"], "orders_id_seq")["owned_by"], "orders.id");
  EXPECT_EQ(find(cat["sequences"], "orders_id_seq")["type"], "integer");
  EXPECT_EQ(find(cat["sequences"], "orders_id_seq")["max"], 2147483647);
  EXPECT_EQ(find(cat["sequences"], "owned_seq")["owned_by"], "orders.note");
  EXPECT_EQ(find(cat["sequences"], "owned_seq")["max"], 9223372036854775807LL);

  EXPECT_EQ(cat["enums"], json::parse(R"J([{"schema":null,"name":"Empty Enum","values":[]},)J"
                                      R"J({"schema":null,"name":"mood","values":["sad","ok","happy"]}])J"));
}

TEST_F(IntrospectPostgresql, EnumValuesInSortOrder) {
  auto c = test::connect(fresh_database());
  c->execute("CREATE TYPE size AS ENUM ('small', 'large'); ALTER TYPE size ADD VALUE 'medium' BEFORE 'large';"
             "ALTER TYPE size ADD VALUE 'tiny' BEFORE 'small';");
  EXPECT_EQ(introspect(*c)["enums"],
            json::parse(R"J([{"schema":null,"name":"size","values":["tiny","small","medium","large"]}])J"));
}

TEST_F(IntrospectPostgresql, SchemasOptionAndCrossSchemaForeignKey) {
  auto c = test::connect(fresh_database());
  c->execute(
      "CREATE SCHEMA billing; CREATE SCHEMA \"Other Schema\";"
      "CREATE TABLE users (id int PRIMARY KEY);"
      "CREATE TYPE billing.state AS ENUM ('open', 'paid');"
      "CREATE TABLE billing.invoices (id bigserial PRIMARY KEY, user_id int REFERENCES public.users (id) "
      "ON UPDATE CASCADE, state billing.state NOT NULL DEFAULT 'open');"
      "CREATE VIEW billing.open_invoices AS SELECT id FROM billing.invoices WHERE state = 'open';"
      "CREATE SEQUENCE billing.numbers;"
      "CREATE TABLE \"Other Schema\".\"T\" (a int);");
  // Default: the current schema only.
  const json pub = introspect(*c);
  EXPECT_EQ(names(pub["tables"]), (Names{"users"}));
  EXPECT_EQ(pub["views"], json::array());
  EXPECT_EQ(pub["sequences"], json::array());
  EXPECT_EQ(pub["enums"], json::array());

  const json billing = introspect(*c, R"J({"schemas":["billing"]})J");
  EXPECT_EQ(names(billing["tables"]), (Names{"invoices"}));
  const json& inv = table(billing, "billing", "invoices");
  EXPECT_EQ(inv["foreign_keys"][0]["ref_schema"], nullptr) << "the current schema is the default: null";
  EXPECT_EQ(inv["foreign_keys"][0]["ref_table"], "users");
  EXPECT_EQ(inv["foreign_keys"][0]["on_update"], "CASCADE");
  EXPECT_EQ(inv["foreign_keys"][0]["on_delete"], nullptr);
  // A type outside the search path is reported qualified, as format_type does.
  EXPECT_EQ(find(inv["columns"], "state")["type"], "billing.state");
  EXPECT_EQ(find(inv["columns"], "state")["default"], "'open'::billing.state");
  EXPECT_EQ(find(inv["columns"], "id")["autoincrement"], true);
  EXPECT_EQ(billing["views"][0]["schema"], "billing");
  EXPECT_EQ(names(billing["sequences"]), (Names{"invoices_id_seq", "numbers"}));
  EXPECT_EQ(find(billing["sequences"], "invoices_id_seq")["owned_by"], "billing.invoices.id");
  EXPECT_EQ(billing["enums"], json::parse(R"J([{"schema":"billing","name":"state","values":["open","paid"]}])J"));

  // Several schemas: tables sorted by (schema, name).
  const json all = introspect(*c, R"J({"schemas":["public","billing","Other Schema"]})J");
  std::vector<std::string> qualified;
  for (const auto& t : all["tables"]) qualified.push_back(qualified_name(t));
  // The default schema's first, then the others by (schema, name).
  EXPECT_EQ(qualified, (Names{"users", "Other Schema.T", "billing.invoices"}));

  // A schema that does not exist has nothing.
  EXPECT_EQ(introspect(*c, R"J({"schemas":["nope"]})J")["tables"], json::array());
  EXPECT_EQ(introspect(*c, R"J({"schemas":["nope"]})J")["schemas"], json::array());
  EXPECT_EQ(pub["schemas"], json::array());

  // extra_schemas: the current schema and these; "schemas" lists those
  // read that exist, but the current one.
  const json extra = introspect(*c, R"J({"extra_schemas":["billing","nope"]})J");
  qualified.clear();
  for (const auto& t : extra["tables"]) qualified.push_back(qualified_name(t));
  EXPECT_EQ(qualified, (Names{"users", "billing.invoices"}));
  EXPECT_EQ(extra["schemas"], json::parse(R"J(["billing"])J"));

  // all_schemas: every schema but the system's (pg_*, information_schema)
  // and extensions'; an empty one is listed too.
  c->execute("CREATE SCHEMA empty_one");
  const json every = introspect(*c, R"J({"all_schemas":true})J");
  EXPECT_EQ(every["tables"], all["tables"]);
  EXPECT_EQ(every["schemas"], json::parse(R"J(["Other Schema","billing","empty_one"])J"));
  EXPECT_THROW(c->introspect(R"J({"all_schemas":"yes"})J"), std::exception);
}

TEST_F(IntrospectPostgresql, ExcludeTablesLeavesOutTheirIndexesConstraintsAndOwnedSequences) {
  auto c = test::connect(fresh_database());
  c->execute(
      "CREATE SCHEMA s;"
      "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
      "CREATE TABLE alembic_version_log (id serial PRIMARY KEY, rev text UNIQUE, CHECK (rev <> ''));"
      "CREATE INDEX ix_log_rev ON alembic_version_log (lower(rev));"
      "CREATE TABLE keep (id serial PRIMARY KEY);"
      "CREATE TABLE s.alembic_version (v text);"
      "CREATE SEQUENCE free_seq;");
  const json cat = introspect(
      *c, R"J({"exclude_tables":["alembic_version","alembic_version_log"],"schemas":["public","s"]})J");
  std::vector<std::string> qualified;
  for (const auto& t : cat["tables"]) qualified.push_back(qualified_name(t));
  EXPECT_EQ(qualified, (Names{"keep"}));
  EXPECT_EQ(names(cat["sequences"]), (Names{"free_seq", "keep_id_seq"}));
  // "schema.name" names one schema's table only.
  const json one = introspect(*c, R"J({"exclude_tables":["s.alembic_version"],"schemas":["public","s"]})J");
  qualified.clear();
  for (const auto& t : one["tables"]) qualified.push_back(qualified_name(t));
  EXPECT_EQ(qualified, (Names{"alembic_version", "alembic_version_log", "keep"}));
  EXPECT_EQ(names(one["sequences"]), (Names{"alembic_version_log_id_seq", "free_seq", "keep_id_seq"}));
}

// Inside the run's transaction introspection sees its uncommitted DDL and
// neither commits nor rolls it back; outside one it works as well.
TEST_F(IntrospectPostgresql, InsideAndOutsideTheTransaction) {
  const std::string url = fresh_database();
  auto c = test::connect(url);
  auto other = test::connect(url);
  c->execute("CREATE TABLE before_tx (a int)");
  c->begin();
  c->execute("CREATE TABLE in_tx (a int PRIMARY KEY)");
  EXPECT_EQ(names(introspect(*c)["tables"]), (Names{"before_tx", "in_tx"}));
  // Still uncommitted: another session does not see it.
  EXPECT_EQ(names(introspect(*other)["tables"]), (Names{"before_tx"}));
  c->execute("CREATE TABLE in_tx2 (a int)");  // the transaction is still open and usable
  c->rollback();
  EXPECT_EQ(names(introspect(*c)["tables"]), (Names{"before_tx"}));

  c->begin();
  c->execute("CREATE TABLE committed (a int)");
  (void)introspect(*c);
  c->commit();
  EXPECT_EQ(names(introspect(*other)["tables"]), (Names{"before_tx", "committed"}));

  // In an aborted transaction: an error, the transaction left to the host.
  c->begin();
  EXPECT_THROW(c->execute("SELECT * FROM no_such_table"), dialect::DialectError);
  try {
    c->introspect("{}");
    ADD_FAILURE() << "introspect in an aborted transaction succeeded";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_EQ(e.sqlstate, "25P02") << e.what();
  }
  c->rollback();
  EXPECT_EQ(names(introspect(*c)["tables"]), (Names{"before_tx", "committed"}));

  // The same through the plugin's API: the server's error and SQLSTATE.
  RawConnection raw(url);
  ASSERT_EQ(raw.execute("BEGIN"), STRATA_OK);
  ASSERT_EQ(raw.execute("SELECT * FROM no_such_table"), STRATA_ERROR);
  const auto o = raw.introspect("{}");
  EXPECT_EQ(o.status, STRATA_ERROR);
  EXPECT_EQ(o.sqlstate, "25P02") << o.text;
  EXPECT_NE(o.text.find("aborted"), std::string::npos) << o.text;
  ASSERT_EQ(raw.execute("ROLLBACK"), STRATA_OK);
  EXPECT_EQ(raw.introspect("{}").status, STRATA_OK);
}

TEST_F(IntrospectPostgresql, BadOptionsAreErrors) {
  const std::string c_url = fresh_database();
  auto c = test::connect(c_url);
  for (const char* bad : {"{", "[1]", R"({"schemas":"public"})", R"({"exclude_tables":[1]})"}) {
    try {
      c->introspect(bad);
      ADD_FAILURE() << "accepted options " << bad;
    } catch (const dialect::DialectError& e) {
      EXPECT_EQ(e.status, STRATA_ERROR) << bad;
      EXPECT_EQ(std::string(e.what()).rfind("introspect: ", 0), 0u) << e.what();
    }
  }
  RawConnection raw(c_url);
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"{", "introspect: options are not valid JSON"},
      {"[1]", "introspect: options must be a JSON object"},
      {R"J({"schemas":"public"})J", "introspect: options.schemas: expected an array of strings"},
      {R"J({"exclude_tables":[1]})J", "introspect: options.exclude_tables: expected an array of strings"}};
  for (const auto& [bad, message] : cases) {
    const auto o = raw.introspect(bad);
    EXPECT_EQ(o.status, STRATA_ERROR) << bad;
    EXPECT_EQ(o.text.rfind(message, 0), 0u) << o.text;
  }
  // NULL options: the defaults.
  EXPECT_EQ(raw.introspect(nullptr).status, STRATA_OK);
  // The connection is still usable.
  EXPECT_EQ(introspect(*c)["tables"], json::array());
}

// Equal schemas created in different orders (and different OIDs) give the
// same document, byte for byte.
TEST_F(IntrospectPostgresql, ByteIdenticalForEqualSchemasCreatedInDifferentOrders) {
  auto a = test::connect(fresh_database());
  auto b = test::connect(fresh_database());
  a->execute(kSchema);
  b->execute(
      // Other objects first, so every OID differs.
      "CREATE TABLE junk (a int); DROP TABLE junk;"
            "CREATE SEQUENCE owned_seq;"
      "CREATE TABLE \"Odd Table\" (\"Col A\" integer PRIMARY KEY, \"x y\" text CHECK (\"x y\" <> 'no'));"
      "COMMENT ON COLUMN \"Odd Table\".\"Col A\" IS 'odd';"
      "CREATE SEQUENCE free_seq AS integer START 5 INCREMENT 2 MINVALUE 1 MAXVALUE 1000 CYCLE;"
      "CREATE TYPE \"Empty Enum\" AS ENUM ();"
      "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
      "CREATE TABLE users ("
      "  id integer GENERATED ALWAYS AS IDENTITY,"
      "  email varchar(255) NOT NULL,"
      "  name text COLLATE \"C\","
      "  balance numeric(10,2) DEFAULT 0,"
      "  created timestamptz NOT NULL DEFAULT now(),"
      "  seen timestamp(3) without time zone,"
      "  token uuid DEFAULT gen_random_uuid(),"
      "  tags text[], data jsonb, m mood DEFAULT 'ok', active boolean DEFAULT true,"
      "  score double precision, ratio real, code char(3), at time);"
      "CREATE UNIQUE INDEX ux_users_token ON users (token);"
      "CREATE INDEX ix_users_gin ON users USING gin (data);"
      "ALTER TABLE users ADD CONSTRAINT uq_users_code UNIQUE (code);"
      "ALTER TABLE users ADD CONSTRAINT ck_name CHECK (name <> '');"
      "ALTER TABLE users ADD UNIQUE (email);"
      "ALTER TABLE users ADD CHECK (balance >= 0);"
      "ALTER TABLE users ADD PRIMARY KEY (id);"
      "COMMENT ON COLUMN users.email IS 'mail';"
      "COMMENT ON TABLE users IS 'people';"
      "CREATE INDEX ix_users_partial ON users (created DESC, id) WHERE active;"
      "CREATE INDEX ix_users_lower ON users (lower(email));"
      "CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;"
      "CREATE INDEX \"Odd Index\" ON \"Odd Table\" (\"x y\");"
      "CREATE TABLE orders (id serial PRIMARY KEY, user_id integer,"
      "  n bigint GENERATED BY DEFAULT AS IDENTITY, note varchar);"
      "CREATE INDEX ON orders (note);"
      "ALTER SEQUENCE owned_seq OWNED BY orders.note;"
      "CREATE TABLE order_lines (order_id integer, line integer, user_email varchar(255),"
      "  CONSTRAINT pk_order_lines PRIMARY KEY (order_id, line));"
      "ALTER TABLE order_lines ADD FOREIGN KEY (user_email) REFERENCES users (email) ON DELETE SET DEFAULT DEFERRABLE;"
      "ALTER TABLE order_lines ADD FOREIGN KEY (order_id) REFERENCES orders ON DELETE SET NULL;"
      "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id)"
      "  ON DELETE CASCADE ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED;"
      "ALTER TABLE orders ADD UNIQUE (user_id, n);");
  const std::string da = a->introspect("{}"), db = b->introspect("{}");
  EXPECT_EQ(da, db);
  EXPECT_EQ(json::parse(da)["tables"].size(), 4u);
  // And twice the same.
  EXPECT_EQ(a->introspect("{}"), da);
}

// Objects an extension made are not the schema's (pg_dump leaves them out
// too): pg_buffercache's view, hstore's types.
TEST_F(IntrospectPostgresql, ExtensionMembersAreLeftOut) {
  auto c = test::connect(fresh_database());
  c->execute("CREATE EXTENSION pg_buffercache; CREATE EXTENSION hstore;"
             "CREATE TABLE kv (id int, attrs hstore); CREATE VIEW mine AS SELECT id FROM kv;");
  const json cat = introspect(*c);
  EXPECT_EQ(names(cat["tables"]), (Names{"kv"}));
  EXPECT_EQ(names(cat["views"]), (Names{"mine"}));
  EXPECT_EQ(find(table(cat, "", "kv")["columns"], "attrs")["type"], "hstore");
}

// A generated column's expression is no default.
TEST_F(IntrospectPostgresql, GeneratedColumnHasNoDefault) {
  auto c = test::connect(fresh_database());
  c->execute("CREATE TABLE g (a int, b int GENERATED ALWAYS AS (a * 2) STORED)");
  const json cat = introspect(*c);
  EXPECT_EQ(find(table(cat, "", "g")["columns"], "b")["default"], nullptr);
}

// A foreign key to a partitioned table is listed once.
TEST_F(IntrospectPostgresql, PartitionedTables) {
  auto c = test::connect(fresh_database());
  c->execute(
      "CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id);"
      "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100);"
      "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200);"
      "CREATE TABLE r (p_id int REFERENCES p (id));");
  const json cat = introspect(*c);
  EXPECT_EQ(names(cat["tables"]), (Names{"p", "p1", "p2", "r"}));
  EXPECT_EQ(table(cat, "", "r")["foreign_keys"].size(), 1u);
  EXPECT_EQ(table(cat, "", "r")["foreign_keys"][0]["ref_table"], "p");
  EXPECT_EQ(table(cat, "", "p")["primary_key"]["columns"], json::parse(R"J(["id"])J"));
}

// The query count does not grow with the schema: one query per kind of
// object, counted on the wire by a proxy.
TEST_F(IntrospectPostgresql, ThousandTablesSameNumberOfQueries) {
  const auto server = config::parse_url(admin_url, "/");
  CountingProxy proxy(server.host.empty() ? "127.0.0.1" : server.host, server.port ? server.port : 5432);
  auto through_proxy = [&](const std::string& url) {
    auto u = config::parse_url(url, "/");
    u.host = "127.0.0.1";
    u.port = proxy.port();
    return std::make_unique<dialect::Connection>(test::plugins().get("postgresql"), runner::connect_options(u));
  };
  auto count = [&](dialect::Connection& c, std::string& doc) {
    const long before = proxy.queries();
    doc = c.introspect(R"J({"exclude_tables":["alembic_version"]})J");
    return proxy.queries() - before;
  };

  const std::string small_url = fresh_database();
  auto small = through_proxy(small_url);
  small->execute("CREATE TABLE t0 (id serial PRIMARY KEY, name varchar(50) NOT NULL UNIQUE)");
  std::string doc;
  const long small_queries = count(*small, doc);
  EXPECT_EQ(json::parse(doc)["tables"].size(), 1u);

  const std::string big_url = fresh_database();
  auto big = through_proxy(big_url);
  big->execute(R"SQL(
DO $$
BEGIN
  FOR i IN 0..999 LOOP
    EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, name varchar(50) NOT NULL UNIQUE, '
                   'ref integer %s, created timestamptz NOT NULL DEFAULT now(), '
                   'amount numeric(12,2) CHECK (amount >= 0), data jsonb)',
                   i, CASE WHEN i > 0 THEN format('REFERENCES t%s (id) ON DELETE CASCADE', i - 1) ELSE '' END);
    EXECUTE format('CREATE INDEX ix_t%s_created ON t%s (created DESC) WHERE ref IS NOT NULL', i, i);
    EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'table ' || i);
  END LOOP;
END $$;
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
)SQL");
  const auto start = std::chrono::steady_clock::now();
  const long big_queries = count(*big, doc);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const json cat = json::parse(doc);
  EXPECT_EQ(cat["tables"].size(), 1000u);
  EXPECT_EQ(cat["sequences"].size(), 1000u);
  EXPECT_EQ(table(cat, "", "t999")["foreign_keys"][0]["ref_table"], "t998");
  EXPECT_EQ(big_queries, small_queries);
  EXPECT_EQ(big_queries, 8);  // tables, columns, constraints, indexes, views, sequences, enums, schemas
  std::cout << "[ introspect ] 1,000 tables: " << big_queries << " queries, " << ms << " ms, " << doc.size()
            << " bytes (1 table: " << small_queries << " queries)" << std::endl;
  // Direct, without the proxy.
  auto direct = test::connect(big_url);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string direct_doc = direct->introspect(R"J({"exclude_tables":["alembic_version"]})J");
  const auto direct_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(direct_doc, doc);
  std::cout << "[ introspect ] 1,000 tables, direct connection: " << direct_ms << " ms" << std::endl;
}

}  // namespace

// Tests for SQLAlchemy-style database URL parsing and password masking.
#include "strata/config/url.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <string>

#include "strata/util/error.hpp"

using strata::UserError;
using strata::config::mask_passwords;
using strata::config::parse_url;
using strata::config::Url;

namespace {

using strata::test::Contains;
using strata::test::NotContains;
using strata::test::user_error;

}  // namespace

// -------------------------------------------------------------------- sqlite

TEST(Url, SqliteRelativePathResolvesAgainstBaseDir) {
  Url u = parse_url("sqlite:///relative.db", "/srv/app");
  EXPECT_EQ(u.dialect, "sqlite");
  EXPECT_EQ(u.scheme, "sqlite");
  EXPECT_EQ(u.driver, "");
  EXPECT_EQ(u.database, "/srv/app/relative.db");
  EXPECT_TRUE(u.host.empty());
  EXPECT_EQ(u.port, 0u);
  EXPECT_FALSE(u.has_password);
}

TEST(Url, SqliteRelativeSubfolderIsNormalized) {
  Url u = parse_url("sqlite:///./data/../db/app.db", "/srv/app");
  EXPECT_EQ(u.database, "/srv/app/db/app.db");
}

TEST(Url, SqliteAbsolutePath) {
  Url u = parse_url("sqlite:////abs/path.db", "/srv/app");
  EXPECT_EQ(u.dialect, "sqlite");
  EXPECT_EQ(u.database, "/abs/path.db");
  EXPECT_EQ(u.masked(), "sqlite:////abs/path.db");
}

TEST(Url, SqliteMemory) {
  Url a = parse_url("sqlite:///:memory:", "/srv/app");
  EXPECT_EQ(a.dialect, "sqlite");
  EXPECT_EQ(a.database, ":memory:");
  Url b = parse_url("sqlite://", "/srv/app");
  EXPECT_EQ(b.dialect, "sqlite");
  EXPECT_EQ(b.database, ":memory:");
  EXPECT_EQ(a.masked(), "sqlite:///:memory:");
}

TEST(Url, SqlitePercentDecodedPathAndQuery) {
  Url u = parse_url("sqlite:////data/my%20app.db?timeout=30", "/x");
  EXPECT_EQ(u.database, "/data/my app.db");
  ASSERT_EQ(u.query.size(), 1u);
  EXPECT_EQ(u.query[0].first, "timeout");
  EXPECT_EQ(u.query[0].second, "30");
}

TEST(Url, SqliteWithHostIsRejected) {
  std::string msg = user_error([] { parse_url("sqlite://host/app.db", "/x"); });
  EXPECT_TRUE(Contains(msg, "sqlite"));
}

TEST(Url, SqliteDriverIsKept) {
  Url u = parse_url("sqlite+pysqlite:////tmp/x.db", "/x");
  EXPECT_EQ(u.dialect, "sqlite");
  EXPECT_EQ(u.driver, "pysqlite");
  EXPECT_EQ(u.database, "/tmp/x.db");
}

// ---------------------------------------------------------------- postgresql

TEST(Url, PostgresqlFullUrl) {
  Url u = parse_url("postgresql://user:p%40ss@host:5432/db?sslmode=require&connect_timeout=5",
                    "/ignored");
  EXPECT_EQ(u.dialect, "postgresql");
  EXPECT_EQ(u.scheme, "postgresql");
  EXPECT_EQ(u.driver, "");
  EXPECT_EQ(u.user, "user");
  EXPECT_TRUE(u.has_password);
  EXPECT_EQ(u.password, "p@ss");
  EXPECT_EQ(u.host, "host");
  EXPECT_EQ(u.port, 5432u);
  EXPECT_EQ(u.database, "db");
  ASSERT_EQ(u.query.size(), 2u);
  EXPECT_EQ(u.query[0].first, "sslmode");
  EXPECT_EQ(u.query[0].second, "require");
  EXPECT_EQ(u.query[1].first, "connect_timeout");
  EXPECT_EQ(u.query[1].second, "5");
}

TEST(Url, PercentDecodingOfUserDatabaseAndQuery) {
  Url u = parse_url("postgresql://us%65r:a%2Fb%3Ac@h/my%2Ddb?opt%20k=v%26w", "/");
  EXPECT_EQ(u.user, "user");
  EXPECT_EQ(u.password, "a/b:c");
  EXPECT_EQ(u.database, "my-db");
  ASSERT_EQ(u.query.size(), 1u);
  EXPECT_EQ(u.query[0].first, "opt k");
  EXPECT_EQ(u.query[0].second, "v&w");
}

TEST(Url, PostgresAliasMapsToPostgresql) {
  Url u = parse_url("postgres://u@h/d", "/");
  EXPECT_EQ(u.dialect, "postgresql");
  EXPECT_EQ(u.scheme, "postgres");
  EXPECT_EQ(u.user, "u");
  EXPECT_FALSE(u.has_password);
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.port, 0u);
  EXPECT_EQ(u.database, "d");
}

TEST(Url, PostgresqlDriverIsKeptSeparately) {
  Url u = parse_url("postgresql+psycopg2://scott:tiger@localhost/test", "/");
  EXPECT_EQ(u.dialect, "postgresql");
  EXPECT_EQ(u.scheme, "postgresql");
  EXPECT_EQ(u.driver, "psycopg2");
  EXPECT_EQ(u.user, "scott");
  EXPECT_EQ(u.password, "tiger");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.database, "test");
}

TEST(Url, SchemeIsCaseInsensitive) {
  Url u = parse_url("PostgreSQL://h/d", "/");
  EXPECT_EQ(u.dialect, "postgresql");
  EXPECT_EQ(u.host, "h");
}

TEST(Url, EmptyPasswordStillCountsAsPassword) {
  Url u = parse_url("postgresql://user:@h/d", "/");
  EXPECT_TRUE(u.has_password);
  EXPECT_EQ(u.password, "");
  EXPECT_EQ(u.masked(), "postgresql://user:***@h/d");
}

// --------------------------------------------------------------------- mysql

TEST(Url, MysqlDriverMapsToMysql) {
  Url u = parse_url("mysql+pymysql://root:pw@127.0.0.1:3306/shop?charset=utf8mb4", "/");
  EXPECT_EQ(u.dialect, "mysql");
  EXPECT_EQ(u.scheme, "mysql");
  EXPECT_EQ(u.driver, "pymysql");
  EXPECT_EQ(u.user, "root");
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 3306u);
  EXPECT_EQ(u.database, "shop");
  ASSERT_EQ(u.query.size(), 1u);
  EXPECT_EQ(u.query[0].second, "utf8mb4");
}

TEST(Url, MariadbMapsToMysql) {
  Url u = parse_url("mariadb://app@db:3307/main", "/");
  EXPECT_EQ(u.dialect, "mysql");
  EXPECT_EQ(u.scheme, "mariadb");
  EXPECT_EQ(u.driver, "");
  EXPECT_EQ(u.port, 3307u);
  EXPECT_EQ(u.database, "main");
}

TEST(Url, UnknownSchemeIsKeptAsDialect) {
  Url u = parse_url("cockroach://h:26257/d", "/");
  EXPECT_EQ(u.dialect, "cockroach");
  EXPECT_EQ(u.port, 26257u);
}

// ---------------------------------------------------------------------- IPv6

TEST(Url, Ipv6HostWithPort) {
  Url u = parse_url("postgresql://u:secretpw@[::1]:5432/db", "/");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 5432u);
  EXPECT_EQ(u.user, "u");
  EXPECT_EQ(u.password, "secretpw");
  EXPECT_EQ(u.database, "db");
  EXPECT_EQ(u.masked(), "postgresql://u:***@[::1]:5432/db");
}

TEST(Url, Ipv6HostWithoutPort) {
  Url u = parse_url("postgresql://[fe80::1]/db", "/");
  EXPECT_EQ(u.host, "fe80::1");
  EXPECT_EQ(u.port, 0u);
  EXPECT_EQ(u.database, "db");
}

TEST(Url, UnterminatedIpv6IsRejected) {
  std::string msg = user_error([] { parse_url("postgresql://u:hidden77@[::1:5432/db", "/"); });
  EXPECT_TRUE(Contains(msg, "IPv6"));
  EXPECT_TRUE(NotContains(msg, "hidden77"));
}

// -------------------------------------------------------------------- errors

TEST(Url, InvalidPortIsRejectedWithoutPassword) {
  for (const char* text : {"postgresql://u:hunter2@host:abc/db", "postgresql://u:hunter2@host:99999/db",
                           "postgresql://u:hunter2@host:0/db", "postgresql://u:hunter2@host:/db",
                           "postgresql://u:hunter2@[::1]:x/db"}) {
    SCOPED_TRACE(text);
    std::string msg = user_error([&] { parse_url(text, "/"); });
    EXPECT_TRUE(Contains(msg, "port"));
    EXPECT_TRUE(NotContains(msg, "hunter2"));
    EXPECT_TRUE(Contains(msg, "***"));
  }
}

TEST(Url, HighestValidPortIsAccepted) {
  EXPECT_EQ(parse_url("postgresql://h:65535/d", "/").port, 65535u);
  EXPECT_EQ(parse_url("postgresql://h:1/d", "/").port, 1u);
}

TEST(Url, MissingSchemeIsRejectedWithoutPassword) {
  std::string msg = user_error([] { parse_url("user:hunter2@localhost:5432/db", "/"); });
  EXPECT_TRUE(Contains(msg, "dialect://"));
  EXPECT_TRUE(NotContains(msg, "hunter2"));
}

TEST(Url, EmptySchemeIsRejected) {
  std::string msg = user_error([] { parse_url("://u:hunter2@h/d", "/"); });
  EXPECT_TRUE(NotContains(msg, "hunter2"));
}

TEST(Url, PlainPathIsRejected) {
  std::string msg = user_error([] { parse_url("app.db", "/"); });
  EXPECT_TRUE(Contains(msg, "app.db"));
}

TEST(Url, InvalidSchemeCharactersAreRejected) {
  std::string msg = user_error([] { parse_url("post gres://u:hunter2@h/d", "/"); });
  EXPECT_TRUE(Contains(msg, "scheme"));
  EXPECT_TRUE(NotContains(msg, "hunter2"));
}

TEST(Url, BadPercentEscapeIsRejectedWithoutPassword) {
  for (const char* text : {"postgresql://u:hunter2%zz@h/db", "postgresql://u:hunter2%4@h/db",
                           "postgresql://u%G1:hunter2@h/db", "postgresql://u:hunter2@h/db%",
                           "postgresql://u:hunter2@h/db?k=%2"}) {
    SCOPED_TRACE(text);
    std::string msg = user_error([&] { parse_url(text, "/"); });
    EXPECT_TRUE(Contains(msg, "percent"));
    EXPECT_TRUE(NotContains(msg, "hunter2"));
  }
}

TEST(Url, ErrorsAreUserErrors) {
  EXPECT_THROW(parse_url("nonsense", "/"), UserError);
  EXPECT_THROW(parse_url("postgresql://h:port/d", "/"), UserError);
  EXPECT_THROW(parse_url("postgresql://h/d%", "/"), UserError);
}

// -------------------------------------------------------------------- masked

TEST(Url, MaskedHidesPassword) {
  Url u = parse_url("postgresql+psycopg2://user:p%40ss@host:5432/db?sslmode=require", "/");
  std::string m = u.masked();
  EXPECT_EQ(m, "postgresql+psycopg2://user:***@host:5432/db?sslmode=require");
  EXPECT_TRUE(NotContains(m, "p@ss"));
  EXPECT_TRUE(NotContains(m, "p%40ss"));
}

TEST(Url, MaskedWithoutPasswordHasNoStars) {
  Url u = parse_url("postgresql://user@host/db", "/");
  EXPECT_EQ(u.masked(), "postgresql://user@host/db");
  Url v = parse_url("mysql://host/db", "/");
  EXPECT_EQ(v.masked(), "mysql://host/db");
}

TEST(Url, MaskedHidesPasswordQueryParameter) {
  Url u = parse_url("postgresql://h/d?user=me&password=qwerty99&sslmode=disable", "/");
  std::string m = u.masked();
  EXPECT_TRUE(NotContains(m, "qwerty99"));
  EXPECT_TRUE(Contains(m, "password=***"));
  EXPECT_TRUE(Contains(m, "sslmode=disable"));
  EXPECT_TRUE(Contains(m, "user=me"));
}

TEST(Url, MaskedNeverContainsPassword) {
  for (const char* text :
       {"postgresql://a:s3cr3tpw@h/d", "postgres://a:s3cr3tpw@h:1/d?x=y",
        "mysql+pymysql://root:s3cr3tpw@[::1]:3306/d", "mariadb://:s3cr3tpw@h/d",
        "postgresql://a:s3cr3tpw%40x@h/d"}) {
    SCOPED_TRACE(text);
    Url u = parse_url(text, "/");
    EXPECT_TRUE(u.has_password);
    EXPECT_TRUE(Contains(u.password, "s3cr3tpw"));
    EXPECT_TRUE(NotContains(u.masked(), "s3cr3tpw"));
    EXPECT_TRUE(Contains(u.masked(), "***"));
  }
}

// ------------------------------------------------------------ mask_passwords

TEST(Url, MaskPasswordsInFreeText) {
  std::string text =
      "could not connect to postgresql://app:hunter2@db.example.com:5432/app: timeout";
  std::string m = mask_passwords(text);
  EXPECT_EQ(m, "could not connect to postgresql://app:***@db.example.com:5432/app: timeout");
}

TEST(Url, MaskPasswordsHandlesSeveralUrls) {
  std::string text = "a=mysql+pymysql://root:pw1secret@h/d b=postgres://x:pw2secret@h2/e";
  std::string m = mask_passwords(text);
  EXPECT_TRUE(NotContains(m, "pw1secret"));
  EXPECT_TRUE(NotContains(m, "pw2secret"));
  EXPECT_TRUE(Contains(m, "mysql+pymysql://root:***@h/d"));
  EXPECT_TRUE(Contains(m, "postgres://x:***@h2/e"));
}

TEST(Url, MaskPasswordsLeavesTextWithoutPasswordsAlone) {
  EXPECT_EQ(mask_passwords("no url here: just text"), "no url here: just text");
  EXPECT_EQ(mask_passwords("postgresql://user@host:5432/db"), "postgresql://user@host:5432/db");
  EXPECT_EQ(mask_passwords("sqlite:////var/app.db"), "sqlite:////var/app.db");
  EXPECT_EQ(mask_passwords("see http://example.com:8080/path"), "see http://example.com:8080/path");
}

TEST(Url, UnescapedAtInPasswordIsNotLeakedByErrors) {
  // The last '@' splits userinfo from host, so "p@ssword" is accepted as the
  // password; an error on such a URL must not reveal any part of it.
  Url ok = parse_url("postgresql://u:p@ssword9@h/d", "/");
  EXPECT_EQ(ok.password, "p@ssword9");
  EXPECT_TRUE(NotContains(ok.masked(), "ssword9"));
  std::string msg = user_error([] { parse_url("postgresql://u:p@ssword9@h:bad/d", "/"); });
  EXPECT_TRUE(Contains(msg, "port"));
  EXPECT_TRUE(NotContains(msg, "ssword9"));
}

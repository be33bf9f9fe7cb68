#include "db_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "strata/config/url.hpp"
#include "strata/runner/runner.hpp"
#include "test_support.hpp"

namespace strata::test {

std::string admin_url(const std::string& dialect) {
  const char* var = dialect == "postgresql" ? "STRATA_TEST_PG_URL" : "STRATA_TEST_MYSQL_URL";
  const char* url = std::getenv(var);
  if (!url || !*url)
    throw std::runtime_error(std::string(var) + " is not set: run the suite with scripts/test.sh, which starts the "
                             "PostgreSQL and MariaDB servers these tests need");
  return url;
}

dialect::PluginRegistry& plugins() {
  static dialect::PluginRegistry reg({build_plugin_dir()});
  return reg;
}

std::unique_ptr<dialect::Connection> connect(const std::string& url) {
  auto u = config::parse_url(url, "/");
  return std::make_unique<dialect::Connection>(plugins().get(u.dialect), runner::connect_options(u));
}

std::string with_database(const std::string& admin, const std::string& name) {
  auto slash = admin.find('/', admin.find("://") + 3);
  auto query = admin.find('?');
  return admin.substr(0, slash) + "/" + name + (query == std::string::npos ? "" : admin.substr(query));
}

unsigned free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  unsigned port = 1;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

}  // namespace strata::test

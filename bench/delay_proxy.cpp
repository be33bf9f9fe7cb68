// A delaying TCP proxy for bench/servers.sh: a network's latency on
// loopback, where `tc netem` is not available.
//
//   delay_proxy LISTEN_PORT TARGET_PORT DELAY_MS [STATS_FILE [DUMP_FILE]]
//
// Listens on 127.0.0.1:LISTEN_PORT (0: any free port) and forwards every
// connection to 127.0.0.1:TARGET_PORT. Each chunk read from one side is
// written to the other DELAY_MS (fractions allowed) after it was read, in
// each direction independently: a round trip costs 2 * DELAY_MS more than on
// loopback, and bandwidth is not limited. Per direction one reader thread
// stamps chunks and one writer thread sends them in order when their time
// comes, so ordering is kept and nothing is batched: both sockets have
// TCP_NODELAY, and a chunk is written as soon as it is due. The TCP
// handshake itself is not delayed (a real network adds one round trip per
// connection).
//
// Prints "port=N" on stdout once listening. Runs until killed.
// STATS_FILE: one line per closed connection: chunks and bytes per direction
// and "exchanges" = how many times the client spoke after the server had
// (its requests that waited for an answer: round trips).
// DUMP_FILE: every client->server chunk, printable bytes only, first 300
// characters, with the connection number and the time since it opened.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

std::chrono::nanoseconds g_delay{0};
int g_target_port = 0;
std::FILE* g_stats = nullptr;
std::FILE* g_dump = nullptr;
std::mutex g_file_mutex;
std::atomic<long> g_next_id{0};

struct Chunk {
  Clock::time_point due;
  std::string data;  // empty: end of stream
};

struct Connection;

struct Pipe {
  int from = -1, to = -1;
  bool client_to_server = true;
  Connection* conn = nullptr;
  std::mutex m;
  std::condition_variable cv;
  std::deque<Chunk> queue;
  long chunks = 0, bytes = 0;
};

struct Connection {
  long id = 0;
  int client = -1, server = -1;
  Clock::time_point opened;
  Pipe up, down;  // up: client -> server
  std::mutex state_mutex;
  int last_dir = -1;  // 0: client spoke last, 1: server spoke last
  long exchanges = 0;
  std::atomic<int> finished{0};  // pumps done (4 threads)
};

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void finish(const std::shared_ptr<Connection>& c) {
  if (c->finished.fetch_add(1) + 1 != 4) return;
  close(c->client);
  close(c->server);
  if (g_stats) {
    std::lock_guard<std::mutex> lock(g_file_mutex);
    std::fprintf(g_stats, "conn=%ld c2s_chunks=%ld c2s_bytes=%ld s2c_chunks=%ld s2c_bytes=%ld exchanges=%ld ms=%.1f\n",
                 c->id, c->up.chunks, c->up.bytes, c->down.chunks, c->down.bytes, c->exchanges,
                 std::chrono::duration<double, std::milli>(Clock::now() - c->opened).count());
    std::fflush(g_stats);
  }
}

void reader(std::shared_ptr<Connection> c, Pipe* p) {
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = recv(p->from, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    Clock::time_point now = Clock::now();
    if (n > 0) {
      {
        std::lock_guard<std::mutex> lock(c->state_mutex);
        int dir = p->client_to_server ? 0 : 1;
        if (dir == 0 && c->last_dir != 0) ++c->exchanges;
        c->last_dir = dir;
      }
      if (g_dump && p->client_to_server) {
        std::string text;
        for (ssize_t i = 0; i < n && text.size() < 300; ++i) {
          unsigned char ch = static_cast<unsigned char>(buf[i]);
          text += (ch >= 32 && ch < 127) ? static_cast<char>(ch) : '.';
        }
        std::lock_guard<std::mutex> lock(g_file_mutex);
        std::fprintf(g_dump, "conn=%ld t=%.3fms len=%zd %s\n", c->id,
                     std::chrono::duration<double, std::milli>(now - c->opened).count(), n, text.c_str());
        std::fflush(g_dump);
      }
    }
    std::lock_guard<std::mutex> lock(p->m);
    if (n > 0) {
      ++p->chunks;
      p->bytes += n;
      p->queue.push_back(Chunk{now + g_delay, std::string(buf.data(), static_cast<size_t>(n))});
      p->cv.notify_one();
    } else {
      p->queue.push_back(Chunk{now + g_delay, std::string()});
      p->cv.notify_one();
      break;
    }
  }
  finish(c);
}

void writer(std::shared_ptr<Connection> c, Pipe* p) {
  // Wake up when a chunk is due, not up to 50 us later (the default slack).
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  bool broken = false;
  for (;;) {
    Chunk chunk;
    {
      std::unique_lock<std::mutex> lock(p->m);
      p->cv.wait(lock, [&] { return !p->queue.empty(); });
      chunk = std::move(p->queue.front());
      p->queue.pop_front();
    }
    std::this_thread::sleep_until(chunk.due);
    if (chunk.data.empty()) {
      shutdown(p->to, SHUT_WR);
      break;
    }
    if (broken) continue;
    size_t off = 0;
    while (off < chunk.data.size()) {
      ssize_t w = send(p->to, chunk.data.data() + off, chunk.data.size() - off, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        // The receiver is gone: stop reading from the sender too.
        broken = true;
        shutdown(p->from, SHUT_RD);
        break;
      }
      off += static_cast<size_t>(w);
    }
  }
  finish(c);
}

int connect_target() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(g_target_port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  set_nodelay(fd);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s LISTEN_PORT TARGET_PORT DELAY_MS [STATS_FILE [DUMP_FILE]]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const int listen_port = std::atoi(argv[1]);
  g_target_port = std::atoi(argv[2]);
  g_delay = std::chrono::nanoseconds(static_cast<long long>(std::atof(argv[3]) * 1e6));
  if (argc > 4 && argv[4][0]) g_stats = std::fopen(argv[4], "a");
  if (argc > 5 && argv[5][0]) g_dump = std::fopen(argv[5], "a");

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(listen_port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 512) != 0) {
    std::perror("delay_proxy: bind/listen");
    return 1;
  }
  socklen_t len = sizeof a;
  getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("port=%d\n", ntohs(a.sin_port));
  std::fflush(stdout);

  for (;;) {
    int client = accept(ls, nullptr, nullptr);
    if (client < 0) {
      if (errno == EINTR) continue;
      std::perror("delay_proxy: accept");
      continue;
    }
    set_nodelay(client);
    int server = connect_target();
    if (server < 0) {
      std::perror("delay_proxy: connect to target");
      close(client);
      continue;
    }
    auto c = std::make_shared<Connection>();
    c->id = g_next_id++;
    c->client = client;
    c->server = server;
    c->opened = Clock::now();
    c->up.from = client;
    c->up.to = server;
    c->up.client_to_server = true;
    c->down.from = server;
    c->down.to = client;
    c->down.client_to_server = false;
    std::thread(reader, c, &c->up).detach();
    std::thread(writer, c, &c->up).detach();
    std::thread(reader, c, &c->down).detach();
    std::thread(writer, c, &c->down).detach();
  }
}

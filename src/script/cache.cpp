#include "cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <random>

#ifndef STRATA_PARSER_ID
#error "STRATA_PARSER_ID must name the parser build (set by src/script/CMakeLists.txt)"
#endif

namespace strata::script::cache {
namespace {

// Layout (little-endian, as written by this machine; another byte order
// fails the checksum's magic check and is ignored):
//   magic[16]  u32 format  str parser_id  u64 payload_size  u64 xxh3(payload)
//   payload:   key dir  u8 dir_settled  u32 count  entry[count]
//              u32 offset[count] (of each entry, from the payload's start)
//   entry:     str name  key  str header (empty: not cached)
//   header:    str id  list revises  list labels  list depends_on
//              str message  str create_date  u8 transactional  u32 id_line
//              str review  u32 review_line  u32 revises_line
//              u32 depends_on_line
//   key:       u64 dev ino size  i64 mtime_ns ctime_ns
//   str:       u32 length, bytes;  list: u32 count, str[count]
constexpr char kMagic[16] = {'S', 'T', 'R', 'A', 'T', 'A', '-', 'R', 'E', 'V', 'C', 'A', 'C', 'H', 'E', '\n'};
constexpr uint32_t kFormat = 3;
constexpr const char* kParserId = STRATA_PARSER_ID;

class Writer {
 public:
  std::string out;
  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void u64(uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out += s;
  }
  void list(const std::vector<std::string>& l) {
    u32(static_cast<uint32_t>(l.size()));
    for (auto& s : l) str(s);
  }
  void key(const FileKey& k) {
    u64(k.dev);
    u64(k.ino);
    u64(k.size);
    u64(static_cast<uint64_t>(k.mtime_ns));
    u64(static_cast<uint64_t>(k.ctime_ns));
  }
};

// Bounds-checked: any read past the end sets !ok and returns zeros.
class Reader {
 public:
  Reader(const char* p, size_t n) : p_(p), end_(p + n) {}
  bool ok = true;
  bool at_end() const { return p_ == end_; }
  uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<uint8_t>(*p_++);
  }
  uint32_t u32() { return fixed<uint32_t>(); }
  uint64_t u64() { return fixed<uint64_t>(); }
  bool str(std::string& s) {
    std::string_view v;
    if (!view(v)) return false;
    s.assign(v.data(), v.size());
    return true;
  }
  bool view(std::string_view& v) {
    uint32_t n = u32();
    if (!need(n)) return false;
    v = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool list(std::vector<std::string>& l) {
    uint32_t n = u32();
    if (!ok || n > static_cast<size_t>(end_ - p_) / 4) return ok = false;  // each item takes >= 4 bytes
    l.resize(n);
    for (auto& s : l)
      if (!str(s)) return false;
    return true;
  }
  FileKey key() {
    FileKey k;
    k.dev = u64();
    k.ino = u64();
    k.size = u64();
    k.mtime_ns = static_cast<int64_t>(u64());
    k.ctime_ns = static_cast<int64_t>(u64());
    return k;
  }

 private:
  bool need(size_t n) {
    if (ok && static_cast<size_t>(end_ - p_) >= n) return true;
    ok = false;
    return false;
  }
  template <typename T>
  T fixed() {
    T v{};
    if (!need(sizeof v)) return v;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  const char* p_;
  const char* end_;
};

// The cache file, mapped read-only. Writers replace the file by rename and
// never modify it in place, so a mapping stays valid for as long as it lives.
class Mapping {
 public:
  static std::shared_ptr<const Mapping> open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    std::shared_ptr<const Mapping> out;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      const size_t size = static_cast<size_t>(st.st_size);
      // Populated: page-cache pages are mapped in one call, not one fault
      // per 64 KiB.
      void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) out.reset(new Mapping(static_cast<const char*>(p), size));
    }
    ::close(fd);
    return out;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { ::munmap(const_cast<char*>(data_), size_); }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  Mapping(const char* data, size_t size) : data_(data), size_(size) {}
  const char* data_;
  size_t size_;
};

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Creates a small file unless it exists (the cache folder's .gitignore).
void write_once(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return;
  write_all(fd, text);
  ::close(fd);
}

}  // namespace

FileKey key_of(const struct stat& st) {
  FileKey k;
  k.dev = static_cast<uint64_t>(st.st_dev);
  k.ino = static_cast<uint64_t>(st.st_ino);
  k.size = static_cast<uint64_t>(st.st_size);
  k.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  k.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return k;
}

bool settled(const FileKey& key, int64_t now_ns, std::chrono::nanoseconds settle) {
  const int64_t limit = now_ns - static_cast<int64_t>(settle.count());
  return key.mtime_ns < limit && key.ctime_ns < limit;
}

std::string cache_dir(const std::string& location) { return location + "/.strata_cache"; }

bool make_dir(const std::string& location) {
  const std::string dir = cache_dir(location);
  if (::mkdir(dir.c_str(), 0777) != 0) return false;
  // Like other tools' cache folders: ignored by git, skipped by backups.
  write_once(dir + "/.gitignore", "# Strata's revision cache: safe to delete, rebuilt as needed.\n*\n");
  write_once(dir + "/CACHEDIR.TAG",
             "Signature: 8a477f597d28d172789f06886806bc55\n"
             "# This file is a cache directory tag created by strata.\n");
  return true;
}

std::string cache_file(const std::string& location) { return cache_dir(location) + "/revisions"; }

std::string encode_header(const Revision& h) {
  Writer w;
  w.str(h.id);
  w.list(h.down_revisions);
  w.list(h.branch_labels);
  w.list(h.depends_on);
  w.str(h.message);
  w.str(h.create_date);
  w.u8(h.transactional);
  w.u32(static_cast<uint32_t>(h.id_line));
  w.str(h.review);
  w.u32(static_cast<uint32_t>(h.review_line));
  w.u32(static_cast<uint32_t>(h.revises_line));
  w.u32(static_cast<uint32_t>(h.depends_on_line));
  return std::move(w.out);
}

bool decode_header(std::string_view bytes, Revision& h) {
  Reader r(bytes.data(), bytes.size());
  r.str(h.id);
  r.list(h.down_revisions);
  r.list(h.branch_labels);
  r.list(h.depends_on);
  r.str(h.message);
  r.str(h.create_date);
  h.transactional = r.u8() != 0;
  h.id_line = static_cast<int>(r.u32());
  r.str(h.review);
  h.review_line = static_cast<int>(r.u32());
  h.revises_line = static_cast<int>(r.u32());
  h.depends_on_line = static_cast<int>(r.u32());
  return r.ok && r.at_end();
}

std::optional<Index> read(const std::string& location) {
  auto mapping = Mapping::open(cache_file(location));
  if (!mapping) return std::nullopt;
  const std::string_view data(mapping->data(), mapping->size());
  if (data.size() < sizeof kMagic || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
  Reader head(data.data() + sizeof kMagic, data.size() - sizeof kMagic);
  std::string_view parser;
  if (head.u32() != kFormat || !head.view(parser) || parser != kParserId) return std::nullopt;
  const uint64_t size = head.u64(), sum = head.u64();
  const size_t offset = sizeof kMagic + 4 + 4 + parser.size() + 8 + 8;
  if (!head.ok || size != data.size() - offset) return std::nullopt;
  const char* payload = data.data() + offset;
  if (XXH3_64bits(payload, size) != sum) return std::nullopt;

  Reader r(payload, size);
  Index index;
  index.dir = r.key();
  index.dir_settled = r.u8() != 0;
  const uint32_t count = r.u32();
  const size_t header_size = 40 + 1 + 4;
  if (!r.ok || count > (size - header_size) / 52) return std::nullopt;  // >= 48 bytes + an offset each
  index.payload_ = payload;
  index.count_ = count;
  index.entries_size_ = size - 4 * static_cast<size_t>(count);
  index.offsets_ = payload + index.entries_size_;
  index.storage_ = std::move(mapping);
  return index;
}

bool Index::entry(size_t i, Entry& out) const {
  uint32_t offset;
  std::memcpy(&offset, offsets_ + 4 * i, 4);
  if (offset >= entries_size_) return false;
  Reader r(payload_ + offset, entries_size_ - offset);
  r.view(out.name);
  out.key = r.key();
  r.view(out.header);
  return r.ok;
}

bool write(const std::string& location, const NewIndex& index) {
  Writer w;
  w.key(index.dir);
  w.u8(index.dir_settled);
  w.u32(static_cast<uint32_t>(index.entries.size()));
  std::vector<uint32_t> offsets;
  offsets.reserve(index.entries.size());
  for (auto& e : index.entries) {
    offsets.push_back(static_cast<uint32_t>(w.out.size()));
    w.str(e.name);
    w.key(e.key);
    w.str(e.header);
  }
  if (w.out.size() > UINT32_MAX) return false;
  for (auto o : offsets) w.u32(o);
  Writer file;
  file.out.reserve(w.out.size() + 64);
  file.out.append(kMagic, sizeof kMagic);
  file.u32(kFormat);
  file.str(kParserId);
  file.u64(w.out.size());
  file.u64(XXH3_64bits(w.out.data(), w.out.size()));
  file.out += w.out;

  const std::string dir = cache_dir(location);
  make_dir(location);
  std::random_device rd;
  const std::string tmp = dir + "/revisions." + std::to_string(::getpid()) + "." + std::to_string(rd()) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return false;
  bool ok = write_all(fd, file.out);
  ok = ::close(fd) == 0 && ok;
  if (ok) ok = ::rename(tmp.c_str(), cache_file(location).c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

}  // namespace strata::script::cache

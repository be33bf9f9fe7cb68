#pragma once
// The revision cache: the parsed headers of one version location, kept in
// "<location>/.strata_cache/revisions" so that a command does not have to
// open and parse every revision file again when none has changed.
//
// Validity is decided by stat alone, the way git's index decides a file is
// unchanged: an entry is reused only when the file's device, inode, size,
// mtime and ctime are those recorded. ctime cannot be set from user space, so
// any write, rename over or `touch -d` changes it. A file whose timestamps
// are within kSettle of the moment it was read is never cached (a change
// within the file system's timestamp granularity could otherwise go
// unseen); it is parsed again next time. The same rule lets a command skip
// listing the folder: an unchanged, settled folder mtime means the same
// names.
//
// Only headers are cached. The SQL a command runs is always read from the
// revision file itself (ScriptDirectory::load_bodies), and the file's header
// is checked against the cached one then. The file carries a checksum; a
// cache that is missing, corrupt, from another parser build or unreadable is
// ignored, and a cache that cannot be written is skipped: the cache can make
// a command faster, never wrong or failing.
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/script/revision.hpp"

namespace strata::script::cache {

/// What stat says of a file; equal keys mean an unchanged file.
struct FileKey {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileKey& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
  }
  bool operator!=(const FileKey& o) const { return !(*this == o); }
};
FileKey key_of(const struct stat& st);

/// True when `key`'s timestamps are older than `now_ns - settle`: a later
/// change is certain to give the file another key.
bool settled(const FileKey& key, int64_t now_ns, std::chrono::nanoseconds settle);

/// A cached file. The views point into Index::storage or, for entries made
/// by this run, into strings the caller keeps alive until write().
struct Entry {
  std::string_view name;    ///< file name inside the location
  FileKey key;
  std::string_view header;  ///< encode_header's bytes; empty: parse again next time
};

/// A cache file as read. Entries are decoded on demand from the mapped file
/// (a table of offsets at its end finds entry i directly): reading the cache
/// costs nothing per revision until a revision is looked at.
class Index {
 public:
  FileKey dir;               ///< the folder, when it was listed
  bool dir_settled = false;  ///< names may be taken from here without listing

  /// Number of entries: every *.sql revision file, sorted by name.
  size_t size() const { return count_; }
  /// Entry i; false when its bytes are malformed (then treat it as absent).
  bool entry(size_t i, Entry& out) const;

 private:
  friend std::optional<Index> read(const std::string& location);
  std::shared_ptr<const void> storage_;  // the mapping the views point into
  const char* payload_ = nullptr;
  size_t entries_size_ = 0;  // bytes of the entries, before the offsets
  const char* offsets_ = nullptr;
  size_t count_ = 0;
};

/// What write() stores.
struct NewIndex {
  FileKey dir;
  bool dir_settled = false;
  std::vector<Entry> entries;  ///< sorted by name
};

/// A header (without path and sections) as the cache stores it, and back.
/// decode_header returns false on malformed bytes.
std::string encode_header(const Revision& rev);
bool decode_header(std::string_view bytes, Revision& out);

/// The folder and file of a location's cache.
std::string cache_dir(const std::string& location);
std::string cache_file(const std::string& location);
/// Creates the cache folder (with a .gitignore and CACHEDIR.TAG); true when
/// it was created now, false when it exists or cannot be made.
bool make_dir(const std::string& location);

/// The cached index of `location`; nullopt when there is none or it cannot
/// be trusted (wrong magic, other parser build, bad checksum, truncated).
std::optional<Index> read(const std::string& location);

/// Writes the index atomically (temporary file, then rename). Best effort:
/// returns false, changing nothing, when the folder is not writable.
bool write(const std::string& location, const NewIndex& index);

}  // namespace strata::script::cache

// A directory under $TMPDIR (or /tmp) for one test, removed with everything in it afterwards.
#pragma once

#include <filesystem>
#include <string>

namespace encuentro::testing {

// Not thread-safe; one per test or fixture.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "encuentro-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace encuentro::testing

#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace encuentro::testing {

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  // Kept short: PostgreSQL's unix socket path must fit in 107 bytes.
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buffer.data();
  // Traversable by others: as root, the embedded PostgreSQL runs as `postgres` and must reach
  // clusters made inside.
  std::filesystem::permissions(path_, std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace encuentro::testing

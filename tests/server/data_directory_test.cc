#include "server/data_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"

namespace encuentro::server {
namespace {

TEST(DataDirectoryLock, SecondHolderIsRefusedWithPid) {
  testing::TempDir dir;
  auto first = DataDirectoryLock::Acquire(dir.path() / "var");
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = DataDirectoryLock::Acquire(dir.path() / "var");
  ASSERT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by another encuentrod (pid " +
                                           std::to_string(getpid()) + ")"),
            absl::string_view::npos)
      << second.status();
}

TEST(DataDirectoryLock, ReleasedWhenDestroyed) {
  testing::TempDir dir;
  { ASSERT_TRUE(DataDirectoryLock::Acquire(dir.path()).ok()); }
  EXPECT_TRUE(DataDirectoryLock::Acquire(dir.path()).ok());
}

TEST(DataDirectoryLock, AnotherUsersDirectoryIsRefused) {
  testing::TempDir dir;
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  ASSERT_EQ(chown(dir.path().c_str(), 65534, 65534), 0);  // nobody
  auto lock = DataDirectoryLock::Acquire(dir.path());
  ASSERT_EQ(lock.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(lock.status().message().find("belongs to another user"), absl::string_view::npos);
}

TEST(DataDirectoryLock, UnwritableLocationIsPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  auto lock = DataDirectoryLock::Acquire("/proc/encuentro");
  EXPECT_EQ(lock.status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace encuentro::server

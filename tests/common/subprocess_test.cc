#include "common/subprocess.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace encuentro {
namespace {

TEST(RunProcess, CapturesOutputAndExitCode) {
  absl::StatusOr<ProcessResult> result =
      RunProcess({.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_NE(result->output.find("out"), std::string::npos);
  EXPECT_NE(result->output.find("err"), std::string::npos);
}

TEST(RunProcess, MissingProgramIsNotFound) {
  EXPECT_EQ(RunProcess({.argv = {"/nonexistent/program"}}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(RunProcess, RunsInRootDirectory) {
  // Children chdir to / so that an unprivileged user never fails on our working directory.
  absl::StatusOr<ProcessResult> result = RunProcess({.argv = {"/bin/pwd"}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->output, "/\n");
}

TEST(RunProcess, RunsAsAnotherUserWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  absl::StatusOr<SystemUser> nobody = LookupSystemUser("nobody");
  ASSERT_TRUE(nobody.ok());
  absl::StatusOr<ProcessResult> result =
      RunProcess({.argv = {"/usr/bin/id", "-u"}, .run_as = *nobody});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->output, std::to_string(nobody->uid) + "\n");
}

TEST(LookupSystemUser, UnknownUser) {
  EXPECT_EQ(LookupSystemUser("no-such-user-encuentro").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace encuentro

#include "common/sha256.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace encuentro {
namespace {

TEST(Sha256, KnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FileMatchesBytes) {
  testing::TempDir dir;
  const std::string content(200'000, 'x');
  std::ofstream(dir.path() / "f") << content;
  absl::StatusOr<std::string> hex = Sha256HexOfFile(dir.path() / "f");
  ASSERT_TRUE(hex.ok()) << hex.status();
  EXPECT_EQ(*hex, Sha256Hex(content));
  EXPECT_EQ(Sha256HexOfFile(dir.path() / "missing").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace encuentro

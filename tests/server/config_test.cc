#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <vector>

#include "tests/support/temp_dir.h"

namespace encuentro::server {
namespace {

absl::StatusOr<ServerConfig> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "encuentrod");
  std::string help;
  return ParseServerConfig(static_cast<int>(args.size()), args.data(), &help);
}

// Sets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(ServerConfig, Defaults) {
  absl::StatusOr<ServerConfig> config = Parse({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->command, Command::kServe);
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  EXPECT_EQ(config->data_dir, "var");
  EXPECT_TRUE(config->database_url.empty());
  EXPECT_EQ(config->log_level, "info");
}

TEST(ServerConfig, FlagsBeatEnvironmentBeatsConfigFile) {
  testing::TempDir dir;
  const auto file = dir.path() / "encuentrod.toml";
  std::ofstream(file) << "# comment\nlisten = \"127.0.0.1:7000\"\nworker-threads = 3\n"
                      << "log-level = \"debug\"\ndata-dir = /from/file\n";
  ScopedEnv listen("ENCUENTRO_LISTEN", "127.0.0.1:8000");
  ScopedEnv threads("ENCUENTRO_WORKER_THREADS", "5");
  absl::StatusOr<ServerConfig> config =
      Parse({"--config", file.c_str(), "--listen", "127.0.0.1:9000"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:9000");  // flag
  EXPECT_EQ(config->worker_threads, 5);         // env over file
  EXPECT_EQ(config->log_level, "debug");        // file over default
  EXPECT_EQ(config->data_dir, "/from/file");    // file
}

TEST(ServerConfig, MigrateSubcommandTakesTheSameSettings) {
  absl::StatusOr<ServerConfig> config = Parse({"migrate", "--data-dir", "/x"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->command, Command::kMigrate);
  EXPECT_EQ(config->data_dir, "/x");
}

TEST(ServerConfig, UnknownFlagIsNamed) {
  absl::StatusOr<ServerConfig> config = Parse({"--no-such-flag"});
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("--no-such-flag"), absl::string_view::npos)
      << config.status();
}

TEST(ServerConfig, PlaintextOnlyOnLocalAddresses) {
  EXPECT_TRUE(Parse({"--listen", "127.0.0.1:5000"}).ok());
  EXPECT_TRUE(Parse({"--listen", "[::1]:5000"}).ok());
  EXPECT_TRUE(Parse({"--listen", "unix:/tmp/encuentro.sock"}).ok());
  EXPECT_TRUE(Parse({"--listen", "127.8.9.10:5000"}).ok());
  // A name that merely starts like a loopback address resolves elsewhere (or nowhere).
  EXPECT_EQ(Parse({"--listen", "127.evil.example:5000"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsLocalAddress("127.evil.example:5000"));
  EXPECT_FALSE(IsLocalAddress("10.0.0.1:5000"));
  EXPECT_FALSE(IsLocalAddress("[::]:5000"));
  EXPECT_TRUE(IsLocalAddress("localhost:5000"));
  absl::StatusOr<ServerConfig> open = Parse({"--listen", "0.0.0.0:5000"});
  ASSERT_EQ(open.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(open.status().message().find("--tls-cert"), std::string::npos);
  absl::StatusOr<ServerConfig> tls =
      Parse({"--listen", "0.0.0.0:5000", "--tls-cert", "a.pem", "--tls-key", "b.pem"});
  EXPECT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(Parse({"--tls-cert", "a.pem"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse({"--tls-client-ca", "ca.pem"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The example the operations page installs must load as it is.
TEST(ServerConfig, TheDeployExampleLoads) {
  absl::StatusOr<ServerConfig> config =
      Parse({"--config", ENCUENTRO_SOURCE_DIR "/deploy/encuentrod.toml"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_dir, "/var/lib/encuentro");
}

TEST(ServerConfig, MetricsOnlyOnLoopback) {
  EXPECT_TRUE(Parse({}).ok());
  EXPECT_EQ(Parse({}).value().metrics_listen, "");  // off unless asked for
  EXPECT_TRUE(Parse({"--metrics-listen", "127.0.0.1:9464"}).ok());
  for (const char* refused : {"0.0.0.0:9464", "10.0.0.1:9464", "unix:/tmp/m.sock", "9464"}) {
    absl::StatusOr<ServerConfig> config = Parse({"--metrics-listen", refused});
    ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << refused;
    EXPECT_NE(config.status().message().find("--metrics-listen"), std::string::npos);
  }
}

TEST(ServerConfig, BadValuesAreNamed) {
  for (const std::vector<const char*>& args :
       {std::vector<const char*>{"--worker-threads", "0"},
        std::vector<const char*>{"--log-level", "loud"},
        std::vector<const char*>{"--listen", "nowhere"},
        std::vector<const char*>{"--listen", "127.0.0.1:99999"}}) {
    absl::StatusOr<ServerConfig> config = Parse(args);
    ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << args[0];
    const std::string message(config.status().message());
    EXPECT_NE(message.find(args[0]), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ServerConfig, BadEnvironmentValueIsRefused) {
  ScopedEnv threads("ENCUENTRO_WORKER_THREADS", "many");
  EXPECT_EQ(Parse({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ServerConfig, ConfigFileErrorsNameTheLine) {
  testing::TempDir dir;
  const auto file = dir.path() / "bad.toml";
  std::ofstream(file) << "listen = \"127.0.0.1:7000\"\ncolour = blue\n";
  absl::StatusOr<ServerConfig> config = Parse({"--config", file.c_str()});
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("line 2: unknown setting 'colour'"),
            absl::string_view::npos)
      << config.status();
  EXPECT_EQ(Parse({"--config", "/nonexistent.toml"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ServerConfig, HelpIsNotAnError) {
  std::vector<const char*> args = {"encuentrod", "--help"};
  std::string help;
  absl::StatusOr<ServerConfig> config = ParseServerConfig(2, args.data(), &help);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kCancelled);
  EXPECT_NE(help.find("--database-url"), std::string::npos);
}

}  // namespace
}  // namespace encuentro::server

// End to end: the real encuentrod binary on its embedded PostgreSQL, driven over gRPC and
// through the real `encuentro` CLI.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "common/version.h"
#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/server.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "storage/embedded_cluster.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace encuentro {
namespace {

using std::chrono::seconds;
using testing::CommandResult;
using testing::RunCommand;
using testing::ServerProcess;
using testing::TempDir;

class ServerE2E : public ::testing::Test {
 protected:
  std::unique_ptr<ServerProcess> StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data-dir",  data_dir().string(),        "--listen",
                                     "127.0.0.1:0", "--shutdown-grace-seconds", "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServerProcess>(ENCUENTROD_PATH, args, dir_.path());
  }
  std::filesystem::path data_dir() const { return dir_.path() / "var"; }
  // Exports the audit log through `servers` with the admin's token and verifies it offline with
  // the public key in data_dir(), as a families' organization would.
  void ExpectAuditChainVerifies(const std::string& servers, const std::string& admin) {
    const std::string exported = (dir_.path() / "audit.jsonl").string();
    CommandResult export_result = RunCommand(
        ENCUENTRO_CLI_PATH, {"--server", servers, "--token", admin, "audit", "export", exported},
        dir_.path());
    ASSERT_EQ(export_result.exit_code, 0) << export_result.err;
    CommandResult verified = RunCommand(
        ENCUENTRO_CLI_PATH,
        {"audit", "verify", exported, "--pubkey", (data_dir() / "audit-signing.key.pub").string()},
        dir_.path());
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  }
  // Another replica on `url`, in a data directory `name` of its own, with the audit signing key
  // of the server in data_dir() (one chain, one key): that server must have started once.
  std::unique_ptr<ServerProcess> StartReplica(const std::string& name, const std::string& url,
                                              std::vector<std::string> extra = {}) {
    const std::filesystem::path dir = dir_.path() / name;
    std::filesystem::create_directories(dir);
    for (const char* key : {"audit-signing.key", "audit-signing.key.pub"}) {
      std::filesystem::copy_file(data_dir() / key, dir / key);
    }
    std::vector<std::string> args = {"--data-dir",
                                     dir.string(),
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--database-url",
                                     url,
                                     "--shutdown-grace-seconds",
                                     "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<ServerProcess>(ENCUENTROD_PATH, args, dir_.path());
  }

  TempDir dir_{"encuentro-e2e"};
};

grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, {}, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

std::string LastLine(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return trimmed.substr(trimmed.rfind('\n') == std::string::npos ? 0 : trimmed.rfind('\n') + 1);
}

TEST_F(ServerE2E, ServesHealthAndInfoThenStopsCleanlyOnSigterm) {
  const std::string token = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path());
  auto server = StartServer();
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();

  EXPECT_EQ(Health(*address), grpc::health::v1::HealthCheckResponse::SERVING);

  auto stub =
      v1::ServerService::NewStub(grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext anonymous;
    v1::ServerInfo refused;
    EXPECT_EQ(stub->GetServerInfo(&anonymous, {}, &refused).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  v1::ServerInfo info;
  grpc::Status status = stub->GetServerInfo(&context, {}, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.version(), kVersion);
  EXPECT_GE(info.schema_version(), 1);
  EXPECT_EQ(info.schema_version(), info.binary_schema_version());
  EXPECT_EQ(info.database_mode(), "embedded");
  // The request id comes back so a client can quote it.
  EXPECT_EQ(context.GetServerInitialMetadata().count("x-request-id"), 1u);

  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0) << server->Stderr();
  EXPECT_NE(server->Stderr().find("rpc method=/encuentro.v1.ServerService/GetServerInfo status=OK"),
            std::string::npos);
  EXPECT_NE(server->Stderr().find("embedded PostgreSQL: stopped"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "postgresql" / "postmaster.pid"));

  // The data directory is reusable as is: no new cluster, same schema.
  auto again = StartServer();
  std::optional<std::string> address2 = again->WaitForListening(seconds(60));
  ASSERT_TRUE(address2) << again->Stderr();
  EXPECT_EQ(again->Stderr().find("creating cluster"), std::string::npos);
  EXPECT_EQ(Health(*address2), grpc::health::v1::HealthCheckResponse::SERVING);
  again->Signal(SIGINT);
  EXPECT_EQ(again->WaitForExit(seconds(60)), 0) << again->Stderr();
}

// Creates missing persons through the given servers from several threads until stopped, as
// clients under a failover would: each write that fails with UNAVAILABLE (or runs past its
// deadline) is retried, with the same request id, through the next server. The servers must run
// without a rate limit. Thread-safe.
class WriteLoad {
 public:
  using Clock = std::chrono::steady_clock;

  WriteLoad(const std::vector<std::string>& addresses, std::string token, int threads)
      : token_(std::move(token)) {
    for (const std::string& address : addresses) {
      stubs_.push_back(v1::MissingPersonService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
    }
    for (int w = 0; w < threads; ++w) threads_.emplace_back([this, w] { Write(w); });
  }
  ~WriteLoad() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  // Case folios of the acknowledged writes.
  std::vector<std::string> Acknowledged() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> folios;
    for (const auto& [folio, time] : acknowledged_) folios.push_back(folio);
    return folios;
  }
  int AcknowledgedSince(Clock::time_point since) const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(std::count_if(acknowledged_.begin(), acknowledged_.end(),
                                          [since](const auto& ack) { return ack.second > since; }));
  }
  // The longest time without an acknowledged write.
  Clock::duration LongestGap() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Clock::time_point> times;
    for (const auto& ack : acknowledged_) times.push_back(ack.second);
    std::sort(times.begin(), times.end());
    Clock::duration gap{};
    for (size_t i = 1; i < times.size(); ++i) gap = std::max(gap, times[i] - times[i - 1]);
    return gap;
  }
  // The first acknowledgement after `since`, if any.
  std::optional<Clock::time_point> FirstAcknowledgedAfter(Clock::time_point since) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<Clock::time_point> first;
    for (const auto& ack : acknowledged_) {
      if (ack.second > since && (!first || ack.second < *first)) first = ack.second;
    }
    return first;
  }
  // When the last UNAVAILABLE (or DEADLINE_EXCEEDED) answer came, and how many there were.
  std::optional<Clock::time_point> LastUnavailable() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_unavailable_;
  }
  int unavailable() const {
    std::lock_guard<std::mutex> lock(mu_);
    return unavailable_;
  }
  // Failures other than UNAVAILABLE: each one is a defect.
  std::vector<std::string> Refusals() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refusals_;
  }

 private:
  void Write(int w) {
    for (int n = 0; !stop_; ++n) {
      v1::CreateMissingPersonRequest request;
      const std::string folio = "FGE-LOAD-" + std::to_string(w) + "-" + std::to_string(n);
      request.set_request_id("load-" + std::to_string(w) + "-" + std::to_string(n));
      request.mutable_missing_person()->set_case_folio(folio);
      request.mutable_missing_person()->set_issuing_authority("FGE");
      request.mutable_missing_person()->set_given_names("Luz");
      for (size_t attempt = 0; !stop_; ++attempt) {
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + token_);
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        v1::MissingPerson created;
        const grpc::Status status = stubs_[(n + attempt + w) % stubs_.size()]->CreateMissingPerson(
            &context, request, &created);
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (status.ok()) {
            acknowledged_.emplace_back(folio, Clock::now());
            break;
          }
          // What the CLI retries for a call with a request id (cli::CallWithRetries).
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
              status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            refusals_.push_back(folio + ": code " + std::to_string(status.error_code()) + ", " +
                                status.error_message());
            break;
          }
          ++unavailable_;
          last_unavailable_ = Clock::now();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }

  const std::string token_;
  std::vector<std::unique_ptr<v1::MissingPersonService::Stub>> stubs_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Clock::time_point>> acknowledged_;  // guarded by mu_
  std::vector<std::string> refusals_;                                    // guarded by mu_
  std::optional<Clock::time_point> last_unavailable_;                    // guarded by mu_
  int unavailable_ = 0;                                                  // guarded by mu_
  std::vector<std::thread> threads_;
};

// GET http://127.0.0.1:PORT/metrics, whole response (headers and body).
std::string HttpGetMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, n);
  }
  close(fd);
  return response;
}

TEST_F(ServerE2E, ServesPrometheusMetricsInTheTextFormat) {
  const std::string token = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path());
  auto server = StartServer({"--metrics-listen", "127.0.0.1:0"});
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const std::string out = server->Stdout();
  const std::string marker = "metrics on http://127.0.0.1:";
  ASSERT_NE(out.find(marker), std::string::npos) << out;
  const int port = std::stoi(out.substr(out.find(marker) + marker.size()));

  auto stub =
      v1::ServerService::NewStub(grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
  for (const bool authorized : {true, true, false}) {
    grpc::ClientContext context;
    if (authorized) context.AddMetadata("authorization", "Bearer " + token);
    v1::ServerInfo info;
    (void)stub->GetServerInfo(&context, {}, &info);
  }
  // One audited write and one photo, so that the steps inside calls are timed.
  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, token, "ana",
                                                "cbp-bc", "commission_staff", dir_.path());
  std::ofstream(dir_.path() / "person.json")
      << R"({"case_folio": "FGE-BC-1", "issuing_authority": "FGE", "given_names": "Luz"})";
  const auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", *address, "--token", staff});
    return RunCommand(ENCUENTRO_CLI_PATH, args, dir_.path());
  };
  ASSERT_EQ(cli({"missing", "create", "--file", (dir_.path() / "person.json").string()}).exit_code,
            0);
  CommandResult photo = cli({"photos", "add", "missingPersons/1",
                             "/usr/share/doc/libdlib19.1/examples/faces/2008_002506.jpg"});
  ASSERT_EQ(photo.exit_code, 0) << photo.err;

  const std::string response = HttpGetMetrics(port);
  ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  // Every line is a comment (HELP, TYPE) or "name{labels} value", as the text format 0.0.4 says.
  const std::regex sample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|[+-]Inf|NaN)( -?[0-9]+)?$)re");
  const std::regex type(
      R"(^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$)");
  std::set<std::string> samples;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_TRUE(std::regex_match(line, type)) << line;
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    samples.insert(line);
  }
  const std::string method = "method=\"/encuentro.v1.ServerService/GetServerInfo\"";
  EXPECT_EQ(samples.count("encuentro_rpcs_total{code=\"OK\"," + method + "} 2"), 1u) << body;
  EXPECT_EQ(samples.count("encuentro_rpcs_total{code=\"UNAUTHENTICATED\"," + method + "} 1"), 1u)
      << body;
  EXPECT_EQ(samples.count("encuentro_rpc_duration_seconds_count{" + method + "} 3"), 1u) << body;
  EXPECT_EQ(samples.count("encuentro_gallery_templates 1"), 1u) << body;
  // The cross-matcher may be working on the new record's job as it is scraped.
  for (const char* gauge :
       {"\nencuentro_cross_match_queue_depth ", "\nencuentro_database_connections_in_use "}) {
    EXPECT_NE(body.find(gauge), std::string::npos) << gauge << body;
  }
  for (const char* once : {"photo_decode", "face_detect"}) {
    EXPECT_EQ(samples.count(std::string("encuentro_step_duration_seconds_count{step=\"") + once +
                            "\"} 1"),
              1u)
        << once << body;
  }
  // Each face found is aligned and described; every audited call appended one entry.
  const auto count_of = [&body](const std::string& step) {
    const std::string prefix = "encuentro_step_duration_seconds_count{step=\"" + step + "\"} ";
    const size_t at = body.find(prefix);
    return at == std::string::npos ? -1 : std::stoi(body.substr(at + prefix.size()));
  };
  EXPECT_GE(count_of("face_align"), 1) << body;
  EXPECT_EQ(count_of("face_descriptor"), count_of("face_align")) << body;
  EXPECT_GE(count_of("audit_append"), 2) << body;

  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0) << server->Stderr();
}

TEST_F(ServerE2E, RestartsAfterKillNineWithoutManualCleanUp) {
  auto server = StartServer();
  ASSERT_TRUE(server->WaitForListening(seconds(60))) << server->Stderr();
  server->Signal(SIGKILL);
  ASSERT_TRUE(server->WaitForExit(seconds(10)));

  auto again = StartServer();
  std::optional<std::string> address = again->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << again->Stderr();
  EXPECT_NE(again->Stderr().find("left by a previous run"), std::string::npos) << again->Stderr();
  EXPECT_EQ(Health(*address), grpc::health::v1::HealthCheckResponse::SERVING);
  again->Signal(SIGTERM);
  EXPECT_EQ(again->WaitForExit(seconds(60)), 0) << again->Stderr();
}

TEST_F(ServerE2E, SecondServerOnSameDataDirectoryIsRefused) {
  auto first = StartServer();
  ASSERT_TRUE(first->WaitForListening(seconds(60))) << first->Stderr();
  auto second = StartServer();
  EXPECT_EQ(second->WaitForExit(seconds(30)), 1);
  EXPECT_NE(LastLine(second->Stderr())
                .find("is in use by another encuentrod (pid " + std::to_string(first->pid()) + ")"),
            std::string::npos)
      << second->Stderr();
  first->Signal(SIGTERM);
  EXPECT_EQ(first->WaitForExit(seconds(60)), 0);
}

// A calibration of both face models fitted for another model pair would mislead every fused
// comparison: the server refuses to start and says how to fix it. The first model alone
// (--fused-face-calibration none) and the back-fill of an empty registry both work.
TEST_F(ServerE2E, RefusesAFusedCalibrationOfOtherModels) {
  std::ifstream in(ENCUENTRO_TEST_FUSED_FACE_CALIBRATION);
  nlohmann::json calibration = nlohmann::json::parse(in);
  ASSERT_FALSE(calibration["second_model_id"].get<std::string>().empty());
  calibration["second_model_id"] = "some-other-model";
  const std::string foreign = (dir_.path() / "foreign.json").string();
  std::ofstream(foreign) << calibration.dump();
  auto refused = StartServer({"--fused-face-calibration", foreign});
  EXPECT_EQ(refused->WaitForExit(seconds(60)), 1);
  EXPECT_NE(refused->Stderr().find("was fitted for models"), std::string::npos)
      << refused->Stderr();
  EXPECT_NE(refused->Stderr().find("some-other-model"), std::string::npos) << refused->Stderr();

  auto first_model_only = StartServer({"--fused-face-calibration", "none"});
  ASSERT_TRUE(first_model_only->WaitForListening(seconds(60))) << first_model_only->Stderr();
  first_model_only->Signal(SIGTERM);
  ASSERT_EQ(first_model_only->WaitForExit(seconds(60)), 0);

  CommandResult backfilled =
      RunCommand(ENCUENTROD_PATH, {"backfill-embeddings", "--data-dir", data_dir().string()},
                 dir_.path(), seconds(120));
  EXPECT_EQ(backfilled.exit_code, 0) << backfilled.err;
  EXPECT_NE(backfilled.out.find("0 template(s) without"), std::string::npos) << backfilled.out;
}

TEST_F(ServerE2E, CliReportsHealthAndInfo) {
  const std::string token = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path());
  auto server = StartServer();
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();

  CommandResult health =
      RunCommand(ENCUENTRO_CLI_PATH, {"--server", *address, "health"}, dir_.path());
  EXPECT_EQ(health.exit_code, 0) << health.err;
  EXPECT_EQ(health.out, "SERVING\n");

  CommandResult info = RunCommand(
      ENCUENTRO_CLI_PATH, {"--server", *address, "--token", token, "--json", "info"}, dir_.path());
  ASSERT_EQ(info.exit_code, 0) << info.err;
  nlohmann::json parsed = nlohmann::json::parse(info.out);
  EXPECT_EQ(parsed["version"], kVersion);
  EXPECT_GE(parsed["schema_version"].get<int>(), 1);

  CommandResult text =
      RunCommand(ENCUENTRO_CLI_PATH, {"--server", *address, "--token", token, "info"}, dir_.path());
  EXPECT_NE(text.out.find("database: embedded"), std::string::npos) << text.out;
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0);

  CommandResult down = RunCommand(ENCUENTRO_CLI_PATH,
                                  {"--server", *address, "--timeout", "2", "health"}, dir_.path());
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("UNAVAILABLE"), std::string::npos) << down.err;
}

TEST_F(ServerE2E, BadInputGivesOneLineErrors) {
  CommandResult unknown = RunCommand(ENCUENTROD_PATH, {"--frobnicate"}, dir_.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--frobnicate"), std::string::npos);
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;

  CommandResult bad_value = RunCommand(ENCUENTROD_PATH, {"--worker-threads", "-3"}, dir_.path());
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_NE(bad_value.err.find("--worker-threads"), std::string::npos) << bad_value.err;

  CommandResult unreachable =
      RunCommand(ENCUENTROD_PATH,
                 {"--data-dir", data_dir().string(), "--listen", "127.0.0.1:0", "--database-url",
                  "postgresql://nobody@127.0.0.1:1/encuentro?connect_timeout=2"},
                 dir_.path());
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(LastLine(unreachable.err).find("cannot connect to the database"), std::string::npos)
      << unreachable.err;

  CommandResult no_model = RunCommand(ENCUENTROD_PATH,
                                      {"--data-dir", data_dir().string(), "--listen", "127.0.0.1:0",
                                       "--models-dir", (dir_.path() / "no-models").string()},
                                      dir_.path());
  EXPECT_EQ(no_model.exit_code, 1);
  EXPECT_NE(LastLine(no_model.err).find("not found"), std::string::npos) << no_model.err;
  EXPECT_NE(LastLine(no_model.err).find("cmake --build"), std::string::npos) << no_model.err;

  // A port that is taken.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  CommandResult in_use = RunCommand(
      ENCUENTROD_PATH, {"--data-dir", data_dir().string(), "--listen", taken}, dir_.path());
  close(fd);
  EXPECT_EQ(in_use.exit_code, 1);
  EXPECT_NE(LastLine(in_use.err).find("address already in use"), std::string::npos) << in_use.err;
}

TEST_F(ServerE2E, MigrateSubcommandAppliesAndExits) {
  CommandResult migrate =
      RunCommand(ENCUENTROD_PATH, {"migrate", "--data-dir", data_dir().string()}, dir_.path());
  EXPECT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_NE(migrate.out.find("schema at version"), std::string::npos) << migrate.out;
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "postgresql" / "postmaster.pid"));
}

// TLS and mutual TLS with a CA, server and client certificates made here with openssl, as the
// README shows. A client certificate's subject names the user; a token still works over TLS.
TEST_F(ServerE2E, TlsAndMutualTlsWithCertificatesMadeHere) {
  const auto pki = dir_.path() / "pki";
  std::filesystem::create_directories(pki);
  const auto openssl = [&](std::vector<std::string> args) {
    CommandResult result = RunCommand("/usr/bin/openssl", args, dir_.path());
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  const auto p = [&](const char* name) { return (pki / name).string(); };
  std::ofstream(pki / "server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out",
           p("ca.crt"), "-days", "2", "-subj", "/CN=Encuentro Test CA"});
  for (const std::string who : {"server", "client"}) {
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", p((who + ".key").c_str()), "-out",
             p((who + ".csr").c_str()), "-subj",
             who == "server" ? "/CN=localhost" : "/CN=lab-cert"});
    std::vector<std::string> sign = {"x509",
                                     "-req",
                                     "-in",
                                     p((who + ".csr").c_str()),
                                     "-CA",
                                     p("ca.crt"),
                                     "-CAkey",
                                     p("ca.key"),
                                     "-CAcreateserial",
                                     "-out",
                                     p((who + ".crt").c_str()),
                                     "-days",
                                     "2"};
    if (who == "server") sign.insert(sign.end(), {"-extfile", p("server.ext")});
    openssl(sign);
  }
  const std::string admin = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path());
  const auto admin_command = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "admin");
    args.insert(args.end(), {"--data-dir", data_dir().string()});
    CommandResult result = RunCommand(ENCUENTROD_PATH, args, dir_.path(), seconds(120));
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  admin_command({"create-org", "semefo-tij", "--kind", "forensic_lab"});
  admin_command({"create-user", "lab1", "--org", "semefo-tij", "--role", "forensic_lab",
                 "--certificate-subject", "lab-cert"});

  auto server = StartServer({"--tls-cert", p("server.crt"), "--tls-key", p("server.key"),
                             "--tls-client-ca", p("ca.crt")});
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  EXPECT_EQ(server->Stderr().find("serving plaintext"), std::string::npos);
  const std::vector<std::string> mutual = {
      "--server",      *address,    "--tls-ca",      p("ca.crt"), "--tls-cert",
      p("client.crt"), "--tls-key", p("client.key"), "--timeout", "20"};
  const auto cli = [&](std::vector<std::string> prefix, std::vector<std::string> args) {
    prefix.insert(prefix.end(), args.begin(), args.end());
    return RunCommand(ENCUENTRO_CLI_PATH, prefix, dir_.path());
  };
  // The client certificate alone authenticates lab1.
  CommandResult by_certificate = cli(mutual, {"--json", "info"});
  EXPECT_EQ(by_certificate.exit_code, 0) << by_certificate.err;
  // ... as a lab: staff-only methods are refused.
  CommandResult refused = cli(mutual, {"candidates", "--current", "pending"});
  EXPECT_NE(refused.err.find("PERMISSION_DENIED"), std::string::npos) << refused.err;
  // A token over the same TLS connection speaks for its own user.
  std::vector<std::string> with_token = mutual;
  with_token.insert(with_token.end(), {"--token", admin});
  EXPECT_EQ(cli(with_token, {"audit", "checkpoint", "--create"}).exit_code, 0);
  // Without a client certificate the handshake fails; without TLS nothing is spoken at all.
  CommandResult no_client_cert =
      cli({"--server", *address, "--tls-ca", p("ca.crt"), "--token", admin, "--timeout", "5"},
          {"info"});
  EXPECT_EQ(no_client_cert.exit_code, 1);
  CommandResult plaintext =
      cli({"--server", *address, "--token", admin, "--timeout", "5"}, {"info"});
  EXPECT_EQ(plaintext.exit_code, 1);
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0);
}

// The restore drill: write, back up while serving, destroy the data directory, restore, and find
// every acknowledged record, a verifying audit chain under the same key, and a consistent index.
TEST_F(ServerE2E, BackupWhileServingThenRestoreIntoAnEmptyDirectory) {
  const std::string admin = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path());
  auto server = StartServer();
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir_.path());
  const auto cli = [&](const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {"--server", *address, "--token", token};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(ENCUENTRO_CLI_PATH, argv, dir_.path());
  };
  std::ofstream(dir_.path() / "person.json")
      << R"({"case_folio": "FGE-BC-7", "issuing_authority": "FGE", "given_names": "Rosa"})";
  CommandResult created =
      cli(staff, {"missing", "create", "--file", (dir_.path() / "person.json").string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_EQ(cli(admin, {"audit", "checkpoint", "--create"}).exit_code, 0);

  const std::filesystem::path backup = dir_.path() / "backup";
  // With a trailing separator, as shells complete folder names: the same folder.
  const std::vector<std::string> backup_args = {"backup", "--data-dir", data_dir().string(), "--to",
                                                backup.string() + "/"};
  CommandResult backed_up = RunCommand(ENCUENTROD_PATH, backup_args, dir_.path());
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.err;
  EXPECT_TRUE(std::filesystem::exists(backup / "database.dump"));
  EXPECT_TRUE(std::filesystem::exists(backup / "audit-signing.key"));
  EXPECT_TRUE(std::filesystem::exists(backup / "manifest.json"));
  // A backup never writes over another.
  CommandResult again = RunCommand(ENCUENTROD_PATH, backup_args, dir_.path());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
  server->Signal(SIGTERM);
  ASSERT_EQ(server->WaitForExit(seconds(60)), 0) << server->Stderr();

  std::filesystem::remove_all(data_dir());
  const std::vector<std::string> restore_args = {"restore", "--data-dir", data_dir().string(),
                                                 "--from", backup.string()};
  CommandResult restored = RunCommand(ENCUENTROD_PATH, restore_args, dir_.path(), seconds(120));
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  // A restore never merges into live data.
  CommandResult onto_live = RunCommand(ENCUENTROD_PATH, restore_args, dir_.path(), seconds(120));
  EXPECT_EQ(onto_live.exit_code, 1);
  EXPECT_NE(onto_live.err.find("already holds"), std::string::npos) << onto_live.err;

  server = StartServer();
  address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  CommandResult listed = cli(staff, {"--json", "missing", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("FGE-BC-7"), std::string::npos) << listed.out;
  const std::string exported = (dir_.path() / "audit.jsonl").string();
  ASSERT_EQ(cli(admin, {"audit", "export", exported}).exit_code, 0);
  CommandResult verified = RunCommand(
      ENCUENTRO_CLI_PATH,
      {"audit", "verify", exported, "--pubkey", (data_dir() / "audit-signing.key.pub").string()},
      dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  server->Signal(SIGTERM);
  ASSERT_EQ(server->WaitForExit(seconds(60)), 0) << server->Stderr();
  CommandResult checked =
      RunCommand(ENCUENTROD_PATH, {"check-index", "--data-dir", data_dir().string()}, dir_.path());
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;

  // A damaged backup is refused before anything is touched.
  std::filesystem::remove_all(data_dir());
  std::ofstream(backup / "database.dump", std::ios::app) << "x";
  CommandResult damaged = RunCommand(ENCUENTROD_PATH, restore_args, dir_.path());
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_NE(damaged.err.find("damaged"), std::string::npos) << damaged.err;
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "postgresql"));
}

// An external PostgreSQL that restarts (an upgrade, a failover) does not need encuentrod
// restarted: calls fail with UNAVAILABLE while it is down, and the pool reconnects after.
TEST_F(ServerE2E, ReconnectsAfterItsExternalDatabaseRestarts) {
  const std::filesystem::path db_dir = dir_.path() / "external";
  auto started = storage::EmbeddedCluster::Start({.data_dir = db_dir});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<storage::EmbeddedCluster> database = *std::move(started);
  const std::string url = database->SuperuserConnectionString();
  const std::string admin = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path(), url);
  ASSERT_FALSE(admin.empty());
  auto server = StartServer({"--database-url", url, "--rate-limit-per-minute", "0"});
  std::optional<std::string> address = server->WaitForListening(seconds(60));
  ASSERT_TRUE(address) << server->Stderr();
  const auto info = [&] {
    return RunCommand(ENCUENTRO_CLI_PATH,
                      {"--server", *address, "--token", admin, "--timeout", "5", "info"},
                      dir_.path());
  };
  ASSERT_EQ(info().exit_code, 0);
  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, *address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir_.path());
  WriteLoad load({*address}, staff, 2);
  std::this_thread::sleep_for(seconds(1));

  ASSERT_TRUE(database->Stop().ok());
  CommandResult down = info();
  EXPECT_NE(down.exit_code, 0);
  EXPECT_NE(down.err.find("UNAVAILABLE"), std::string::npos) << down.err;

  started = storage::EmbeddedCluster::Start({.data_dir = db_dir});
  ASSERT_TRUE(started.ok()) << started.status();
  database = *std::move(started);
  // A pooled connection broken by the restart fails once and is replaced: no error lasts more
  // than 5 s after the database is back.
  const auto back = std::chrono::steady_clock::now();
  int exit_code = 1;
  while (exit_code != 0 && std::chrono::steady_clock::now() - back < seconds(5)) {
    exit_code = info().exit_code;
    if (exit_code != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(exit_code, 0);
  std::printf(
      "serving again %.0f ms after PostgreSQL was back\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - back).count());
  // The write load carried on through the restart: every error ended within 5 s of the
  // database's return, and nothing acknowledged was lost.
  for (const auto until = back + seconds(10);
       load.AcknowledgedSince(back) < 20 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  load.Stop();
  for (const std::string& refusal : load.Refusals()) ADD_FAILURE() << refusal;
  ASSERT_GE(load.AcknowledgedSince(back), 20);
  ASSERT_TRUE(load.LastUnavailable().has_value());
  EXPECT_LT(*load.LastUnavailable() - back, seconds(5));
  {
    pqxx::connection conn(url);
    pqxx::nontransaction tx(conn);
    std::set<std::string> present;
    for (const auto& row : tx.exec("SELECT case_folio FROM missing_persons")) {
      present.insert(row[0].as<std::string>());
    }
    for (const std::string& folio : load.Acknowledged()) {
      EXPECT_EQ(present.count(folio), 1u) << folio << " was acknowledged, and is lost";
    }
  }
  std::printf(
      "under a write load: %d UNAVAILABLE answers, the last at %+.0f ms from PostgreSQL's "
      "return; first write acknowledged %.0f ms after it\n",
      load.unavailable(),
      std::chrono::duration<double, std::milli>(*load.LastUnavailable() - back).count(),
      std::chrono::duration<double, std::milli>(*load.FirstAcknowledgedAfter(back) - back).count());
  EXPECT_FALSE(server->WaitForExit(seconds(0)).has_value()) << "encuentrod exited";
  server->Signal(SIGTERM);
  EXPECT_EQ(server->WaitForExit(seconds(60)), 0) << server->Stderr();
}

// Two encuentrod replicas on one PostgreSQL, sharing the audit key: the CLI given both spreads
// its calls over them, what one writes the other reads, and when one stops the client carries on
// through the other.
TEST_F(ServerE2E, TwoReplicasOnOneDatabaseServeOneClient) {
  auto started = storage::EmbeddedCluster::Start({.data_dir = dir_.path() / "external"});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<storage::EmbeddedCluster> database = *std::move(started);
  const std::string url = database->SuperuserConnectionString();
  const std::string admin = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path(), url);
  ASSERT_FALSE(admin.empty());
  auto first = StartServer({"--database-url", url});
  std::optional<std::string> first_address = first->WaitForListening(seconds(60));
  ASSERT_TRUE(first_address) << first->Stderr();
  auto second = StartReplica("var-b", url, {"--metrics-listen", "127.0.0.1:0"});
  std::optional<std::string> second_address = second->WaitForListening(seconds(60));
  ASSERT_TRUE(second_address) << second->Stderr();

  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, *first_address, admin, "ana",
                                                "cbp-bc", "commission_staff", dir_.path());
  const auto cli = [&](const std::string& servers, std::vector<std::string> args) {
    std::vector<std::string> argv = {"--server", servers, "--token", staff, "--timeout", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(ENCUENTRO_CLI_PATH, argv, dir_.path());
  };
  const std::string both = *first_address + "," + *second_address;
  std::ofstream(dir_.path() / "person.json")
      << R"({"case_folio": "FGE-BC-9", "issuing_authority": "FGE", "given_names": "Luz"})";
  CommandResult created =
      cli(both, {"missing", "create", "--file", (dir_.path() / "person.json").string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  for (const std::string& one : {*first_address, *second_address}) {
    CommandResult listed = cli(one, {"--json", "missing", "list"});
    EXPECT_NE(listed.out.find("FGE-BC-9"), std::string::npos) << one << ": " << listed.err;
  }
  // A photo enrolled through the first replica is in the second one's gallery within a second,
  // as its metrics endpoint reports.
  const std::string out = second->Stdout();
  const std::string marker = "metrics on http://127.0.0.1:";
  ASSERT_NE(out.find(marker), std::string::npos) << out;
  const int metrics_port = std::stoi(out.substr(out.find(marker) + marker.size()));
  CommandResult photo = cli(*first_address, {"photos", "add", "missingPersons/1",
                                             "/usr/share/doc/libdlib19.1/examples/faces/"
                                             "2008_002506.jpg"});
  ASSERT_EQ(photo.exit_code, 0) << photo.err;
  const auto enrolled = std::chrono::steady_clock::now();
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - enrolled < seconds(1)) {
    seen =
        HttpGetMetrics(metrics_port).find("\nencuentro_gallery_templates 1") != std::string::npos;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(seen) << HttpGetMetrics(metrics_port);
  std::printf("photo searchable through the other replica %.0f ms after its upload returned\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - enrolled)
                  .count());

  // Audited reads through both replicas at once leave one chain that verifies under one key.
  {
    std::vector<std::thread> readers;
    for (const std::string& one : {*first_address, *second_address}) {
      readers.emplace_back([&cli, one] {
        for (int read = 0; read < 5; ++read) {
          EXPECT_EQ(cli(one, {"missing", "get", "missingPersons/1"}).exit_code, 0);
        }
      });
    }
    for (std::thread& reader : readers) reader.join();
    ExpectAuditChainVerifies(both, admin);
  }

  first->Signal(SIGTERM);
  ASSERT_EQ(first->WaitForExit(seconds(60)), 0) << first->Stderr();
  for (int call = 0; call < 3; ++call) {
    CommandResult listed = cli(both, {"--json", "missing", "list"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find("FGE-BC-9"), std::string::npos) << listed.err;
  }
  // A name among several addresses is refused with the rule, not half-resolved.
  CommandResult named = cli("localhost:1," + *second_address, {"missing", "list"});
  EXPECT_EQ(named.exit_code, 2);
  EXPECT_NE(named.err.find("IP:PORT"), std::string::npos) << named.err;
  second->Signal(SIGTERM);
  EXPECT_EQ(second->WaitForExit(seconds(60)), 0) << second->Stderr();
}

// The high-availability layout of deploy/OPERATIONS.md on one machine: a primary, a synchronous
// streaming standby made with pg_basebackup, and two encuentrod replicas given both in one
// multi-host URL. The primary dies (SIGKILL to its process group) under a write load and the
// standby is promoted: the replicas reconnect by themselves, clients retry UNAVAILABLE with the
// same request id, and every acknowledged write is on the new primary.
TEST_F(ServerE2E, ReplicasFollowAPromotedStandbyAndLoseNoAcknowledgedWrite) {
  using Clock = std::chrono::steady_clock;
  auto primary_started = storage::EmbeddedCluster::Start({.data_dir = dir_.path() / "primary"});
  ASSERT_TRUE(primary_started.ok()) << primary_started.status();
  std::unique_ptr<storage::EmbeddedCluster> primary = *std::move(primary_started);

  const std::filesystem::path standby_dir = dir_.path() / "standby";
  std::filesystem::create_directories(standby_dir);
  absl::StatusOr<std::filesystem::path> bindir = storage::FindPostgresBindir({});
  ASSERT_TRUE(bindir.ok()) << bindir.status();
  ProcessOptions basebackup{.argv = {(*bindir / "pg_basebackup").string(), "-D",
                                     (standby_dir / "postgresql").string(), "-R", "-X", "stream",
                                     "-c", "fast", "-d", primary->SuperuserConnectionString()}};
  if (geteuid() == 0) {  // PostgreSQL runs as `postgres`, who must own the copy.
    absl::StatusOr<SystemUser> postgres = LookupSystemUser("postgres");
    ASSERT_TRUE(postgres.ok()) << postgres.status();
    ASSERT_EQ(chown(standby_dir.c_str(), postgres->uid, postgres->gid), 0);
    basebackup.run_as = *postgres;
  }
  absl::StatusOr<ProcessResult> copied = RunProcess(basebackup);
  ASSERT_TRUE(copied.ok()) << copied.status();
  ASSERT_EQ(copied->exit_code, 0) << copied->output;
  // The embedded cluster keeps its socket in its data directory, so the copy holds the primary's
  // socket lock file, naming a live postmaster: the standby would refuse to start.
  for (const auto& entry : std::filesystem::directory_iterator(standby_dir / "postgresql")) {
    if (entry.path().filename().string().rfind(".s.PGSQL.", 0) == 0) {
      std::filesystem::remove(entry.path());
    }
  }
  auto standby_started = storage::EmbeddedCluster::Start({.data_dir = standby_dir});
  ASSERT_TRUE(standby_started.ok()) << standby_started.status();
  std::unique_ptr<storage::EmbeddedCluster> standby = *std::move(standby_started);
  // Synchronous: a commit returns only once the standby has its WAL, so an acknowledged write
  // survives the primary's death.
  {
    pqxx::connection conn(primary->SuperuserConnectionString());
    pqxx::nontransaction tx(conn);
    tx.exec0("ALTER SYSTEM SET synchronous_standby_names = '*'");
    tx.exec("SELECT pg_reload_conf()");
  }
  const auto synchronous = [&] {
    pqxx::connection conn(primary->SuperuserConnectionString());
    pqxx::nontransaction tx(conn);
    return tx.exec1("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")[0]
               .as<int>() == 1;
  };
  for (const Clock::time_point until = Clock::now() + seconds(30);
       !synchronous() && Clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(synchronous());

  // Both clusters in one URL: libpq connects to whichever accepts writes.
  std::string url = primary->SuperuserConnectionString();
  const std::string primary_host = storage::QuoteConnectionValue(primary->cluster_dir().string());
  ASSERT_NE(url.find(primary_host), std::string::npos) << url;
  url.replace(url.find(primary_host), primary_host.size(),
              storage::QuoteConnectionValue(primary->cluster_dir().string() + "," +
                                            standby->cluster_dir().string()));
  url += " target_session_attrs=read-write";
  const std::string admin = testing::BootstrapAdmin(ENCUENTROD_PATH, data_dir(), dir_.path(), url);
  ASSERT_FALSE(admin.empty());
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::vector<std::string> addresses;
  // The write load would exceed the rate limit.
  for (const char* name : {"var", "var-b"}) {
    replicas.push_back(replicas.empty()
                           ? StartServer({"--database-url", url, "--rate-limit-per-minute", "0"})
                           : StartReplica(name, url, {"--rate-limit-per-minute", "0"}));
    std::optional<std::string> address = replicas.back()->WaitForListening(seconds(60));
    ASSERT_TRUE(address) << replicas.back()->Stderr();
    addresses.push_back(*address);
  }
  const std::string staff = testing::MakeCaller(ENCUENTRO_CLI_PATH, addresses[0], admin, "ana",
                                                "cbp-bc", "commission_staff", dir_.path());

  // Two writers, each alternating between the replicas.
  WriteLoad load(addresses, staff, 2);
  std::this_thread::sleep_for(seconds(2));

  // The primary's postmaster and every backend die at once, as when its machine fails.
  const std::filesystem::path pid_file = primary->cluster_dir() / "postmaster.pid";
  pid_t postmaster = 0;
  std::ifstream(pid_file) >> postmaster;
  ASSERT_GT(postmaster, 1);
  const Clock::time_point killed = Clock::now();
  ASSERT_EQ(kill(-postmaster, SIGKILL), 0);
  // Gone, and its pid file with it, so that stopping the dead cluster at the end signals nobody.
  const auto alive = [postmaster] {  // a zombie left for init to reap counts as gone
    std::ifstream stat("/proc/" + std::to_string(postmaster) + "/stat");
    std::string pid, name, state;
    return stat >> pid >> name >> state && state != "Z";
  };
  for (const Clock::time_point until = Clock::now() + seconds(10);
       alive() && Clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(alive());
  std::filesystem::remove(pid_file);
  std::this_thread::sleep_for(seconds(1));  // an operator or a tool notices
  {
    pqxx::connection conn(standby->SuperuserConnectionString());
    pqxx::nontransaction tx(conn);
    ASSERT_TRUE(tx.exec1("SELECT pg_promote(true, 60)")[0].as<bool>());
  }
  const Clock::time_point promoted = Clock::now();
  for (const Clock::time_point until = promoted + seconds(30);
       load.AcknowledgedSince(promoted) < 20 && Clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  load.Stop();

  std::set<std::string> present;
  {
    pqxx::connection conn(standby->SuperuserConnectionString());
    pqxx::nontransaction tx(conn);
    for (const auto& row : tx.exec("SELECT case_folio FROM missing_persons")) {
      present.insert(row[0].as<std::string>());
    }
  }
  for (const std::string& refusal : load.Refusals()) ADD_FAILURE() << refusal;
  const std::vector<std::string> acknowledged = load.Acknowledged();
  for (const std::string& folio : acknowledged) {
    EXPECT_EQ(present.count(folio), 1u) << folio << " was acknowledged, and is lost";
  }
  ASSERT_GE(load.AcknowledgedSince(promoted), 20);
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  // The longest time without an acknowledged write includes the second before the promotion.
  std::printf(
      "%zu writes acknowledged, %zu before the kill; %d UNAVAILABLE answers retried; longest time "
      "without an acknowledged write %.0f ms (the standby was promoted %.0f ms after the kill); "
      "first write acknowledged %.0f ms after promotion\n",
      acknowledged.size(), acknowledged.size() - load.AcknowledgedSince(killed), load.unavailable(),
      ms(load.LongestGap()), ms(promoted - killed),
      ms(*load.FirstAcknowledgedAfter(promoted) - promoted));

  // The audit chain went on through the failover, through both replicas, under one key.
  ExpectAuditChainVerifies(addresses[1], admin);
  for (auto& replica : replicas) {
    EXPECT_FALSE(replica->WaitForExit(seconds(0)).has_value()) << replica->Stderr();
    replica->Signal(SIGTERM);
    EXPECT_EQ(replica->WaitForExit(seconds(60)), 0) << replica->Stderr();
  }
}

}  // namespace
}  // namespace encuentro

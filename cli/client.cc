#include "cli/client.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace encuentro::cli {

namespace {

std::string ReadPemOrExit(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "encuentro: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Several replicas ("10.0.0.1:50051,10.0.0.2:50051") become one channel that spreads calls over
// them (round robin) and retries a call a replica could not take on another. gRPC lists several
// addresses only as IP literals of one family, so names are refused rather than half-resolved.
std::string ChannelTargetOrExit(const std::string& servers) {
  if (servers.find(',') == std::string::npos) return servers;
  const std::vector<std::string> addresses = absl::StrSplit(servers, ',');
  const bool v6 = addresses.front().rfind('[', 0) == 0;
  for (const std::string& address : addresses) {
    const size_t colon = address.rfind(':');
    std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
    if (v6 && host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    unsigned char ip[16];
    if (host.empty() || inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), ip) != 1) {
      std::fprintf(stderr,
                   "encuentro: --server %s: several servers must each be IP:PORT (or [IPv6]:PORT, "
                   "all of one kind)\n",
                   servers.c_str());
      std::exit(2);
    }
  }
  return (v6 ? "ipv6:" : "ipv4:") + servers;
}

// Round robin over the replicas, and gRPC's own retry of UNAVAILABLE: the replica was down or
// going down, so the call did no work there. Writes carry request ids, so a retry is safe.
constexpr char kReplicaServiceConfig[] = R"({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.2s", "maxBackoff": "2s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
  }]
})";

}  // namespace

std::shared_ptr<grpc::Channel> OpenChannel(const ClientOptions& options) {
  const std::string target = ChannelTargetOrExit(options.server);
  grpc::ChannelArguments arguments;
  if (target != options.server) arguments.SetServiceConfigJSON(kReplicaServiceConfig);
  if (options.tls_ca.empty() && options.tls_cert.empty()) {
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca.empty()) ssl.pem_root_certs = ReadPemOrExit(options.tls_ca);
  if (!options.tls_cert.empty()) {
    ssl.pem_cert_chain = ReadPemOrExit(options.tls_cert);
    ssl.pem_private_key = ReadPemOrExit(options.tls_key);
  }
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), arguments);
}

void AddCredentials(const ClientOptions& options, grpc::ClientContext* context) {
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
}

std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options) {
  return NewContext(options, std::chrono::seconds(options.timeout_seconds));
}

std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options,
                                                std::chrono::seconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  AddCredentials(options, context.get());
  return context;
}

grpc::Status CallWithRetries(const std::function<grpc::Status()>& call, bool idempotent) {
  std::chrono::milliseconds pause(500);
  for (int attempt = 1;; ++attempt) {
    grpc::Status status = call();
    const bool transient =
        status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
         status.error_message().find("retry") != std::string::npos) ||
        (idempotent && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
    if (!transient || attempt == 10) return status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(15'000));
  }
}

int ReportRpcError(const std::string& method, const grpc::Status& status) {
  const int code = status.error_code();
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  if (name.empty()) name = "UNRECOGNIZED";
  google::rpc::BadRequest bad;
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&bad)) break;
    }
  }
  if (bad.field_violations_size() == 0) {
    std::fprintf(stderr, "encuentro: %s failed: %s: %s\n", method.c_str(), name.c_str(),
                 status.error_message().c_str());
    return 1;
  }
  std::fprintf(stderr, "encuentro: %s failed: %s:\n", method.c_str(), name.c_str());
  for (const auto& v : bad.field_violations()) {
    std::fprintf(stderr, "  %s: %s\n", v.field().c_str(), v.description().c_str());
  }
  return 1;
}

}  // namespace encuentro::cli

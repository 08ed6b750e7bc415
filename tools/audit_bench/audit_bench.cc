// Measures the audit log on a throwaway embedded PostgreSQL cluster:
//   - one writer: latency of appending one search's entry in its own transaction (what
//     SearchCandidates adds to each search), p50/p99;
//   - 8 writers: appends per second into one chain;
//   - export of the whole chain and offline verification (entries per second).
//
//   encuentro_audit_bench [--entries 10000] [--dir /tmp]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "audit/audit_log.h"
#include "storage/database.h"
#include "storage/embedded_cluster.h"
#include "storage/match_store.h"
#include "storage/migrations.h"

namespace {

using namespace encuentro;
using Clock = std::chrono::steady_clock;

audit::AuditEvent SearchEvent(int i) {
  audit::AuditEvent event;
  event.principal = {"ana", "cbp-bc", auth::Role::kCommissionStaff};
  event.method = "MatchService/SearchCandidates";
  event.purpose = "identification";
  event.legal_basis = "FGE-BC-CI-2024-" + std::to_string(i);
  event.targets.push_back("remains/" + std::to_string(i));
  std::string candidates;
  for (int c = 0; c < 20; ++c) {
    event.targets.push_back("missingPersons/" + std::to_string(i * 20 + c));
    candidates += std::string(c ? "," : "") + R"({"candidate":"missingPersons/)" +
                  std::to_string(i * 20 + c) + R"(","score":1.2345,"excluded":false})";
  }
  event.outcome_json = R"({"status":"OK","candidates":[)" + candidates + "]}";
  return event;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Audit log benchmark");
  int entries = 10'000;
  std::string dir = "/tmp";
  app.add_option("--entries", entries, "Entries appended by the 8 writers")
      ->check(CLI::Range(8, 10'000'000));
  app.add_option("--dir", dir, "Where the throwaway cluster lives");
  CLI11_PARSE(app, argc, argv);

  const std::filesystem::path data_dir =
      std::filesystem::path(dir) / ("encuentro-audit-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(data_dir);
  std::filesystem::permissions(data_dir, std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  int rc = 1;
  {
    auto cluster = storage::EmbeddedCluster::Start({.data_dir = data_dir});
    if (!cluster.ok()) {
      std::fprintf(stderr, "%s\n", std::string(cluster.status().message()).c_str());
      return 1;
    }
    if (!storage::ApplyMigrations((*cluster)->SuperuserConnectionString(),
                                  storage::BundledMigrations())
             .ok()) {
      return 1;
    }
    auto database = storage::Database::Open(
        {.connection_string = (*cluster)->ConnectionString("encuentro_app"), .pool_size = 9});
    if (!database.ok()) return 1;
    storage::MatchStore store(database->get());

    std::vector<double> latencies;
    for (int i = 0; i < 2000; ++i) {
      const auto start = Clock::now();
      if (!store.AppendAudit(SearchEvent(i)).ok()) return 1;
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::printf("one writer, one search entry (20 candidates) per transaction: p50 %.3f ms, "
                "p99 %.3f ms\n",
                Percentile(latencies, 0.5), Percentile(latencies, 0.99));

    std::atomic<int> next{0};
    const auto started = Clock::now();
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&] {
        for (int i = next++; i < entries; i = next++) (void)store.AppendAudit(SearchEvent(i));
      });
    }
    for (auto& t : writers) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::printf("8 writers: %d entries in %.2f s = %.0f appends/s, one chain\n", entries, seconds,
                entries / seconds);

    storage::AuditStore audit_store(database->get());
    auto key = audit::SigningKey::LoadOrCreate(data_dir / "audit.key");
    if (!key.ok()) return 1;
    audit::AuditLog log(&audit_store, &*key, nullptr);
    if (!log.CreateCheckpoint().ok()) return 1;
    std::ostringstream exported;
    auto start = Clock::now();
    auto written = log.Export({}, [&](const std::string& line) {
      exported << line << '\n';
      return true;
    });
    if (!written.ok()) return 1;
    const double export_s = std::chrono::duration<double>(Clock::now() - start).count();
    std::istringstream in(exported.str());
    start = Clock::now();
    const audit::VerificationReport report = audit::VerifyExport(in, key->public_key_hex());
    const double verify_s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("export: %lld entries (%.1f MB) in %.2f s; verify: %s in %.2f s = %.0f entries/s\n",
                static_cast<long long>(*written), exported.str().size() / 1e6, export_s,
                report.ok ? "valid" : report.problem.c_str(), verify_s,
                static_cast<double>(report.entries) / verify_s);
    rc = report.ok ? 0 : 1;
    database->reset();
    (void)(*cluster)->Stop();
  }
  std::filesystem::remove_all(data_dir);
  return rc;
}

#include "cli/audit_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "audit/chain.h"
#include "cli/output.h"
#include "encuentro/v1/audit.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct AuditFlags {
  std::string target;
  bool create = false;
  std::string file;
  std::string public_key;
  int64_t expect_size = -1;
  std::string expect_head;
};

int Verify(const AuditFlags& flags) {
  absl::StatusOr<std::string> key = audit::ReadPublicKey(flags.public_key);
  if (!key.ok()) {
    std::fprintf(stderr, "encuentro: %s\n", std::string(key.status().message()).c_str());
    return 2;
  }
  std::ifstream in(flags.file);
  if (!in) {
    std::fprintf(stderr, "encuentro: cannot read %s\n", flags.file.c_str());
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  audit::ExpectedChain expected;
  if (flags.expect_size >= 0) expected.size = flags.expect_size;
  expected.head = flags.expect_head;
  const audit::VerificationReport report = audit::VerifyExport(in, *key, expected);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!report.ok) {
    std::printf("BROKEN at line %lld (entry %lld): %s\n", static_cast<long long>(report.line),
                static_cast<long long>(report.position), report.problem.c_str());
    return 1;
  }
  std::printf(
      "OK: %lld entries (%lld redacted) link from the genesis to head %s; %lld checkpoint(s) "
      "signed by %s match the chain (%.2f s, %.0f entries/s)\n",
      static_cast<long long>(report.entries), static_cast<long long>(report.redacted),
      report.head_hash.c_str(), static_cast<long long>(report.checkpoints), key->c_str(), seconds,
      seconds > 0 ? static_cast<double>(report.entries) / seconds : 0.0);
  // What to pin next time, so that a rewrite of what was seen now cannot pass unnoticed.
  std::printf(
      "next time: encuentro audit verify FILE --pubkey %s --expect-size %lld "
      "--expect-head %s\n",
      key->c_str(), static_cast<long long>(report.entries), report.head_hash.c_str());
  return 0;
}

}  // namespace

void AddAuditCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<AuditFlags>();
  CLI::App* audit = app.add_subcommand("audit", "The tamper-evident audit log");
  audit->require_subcommand(1);

  CLI::App* list = audit->add_subcommand("list", "Entries in chain order");
  list->add_option("--target", flags->target, "Only entries naming this, e.g. remains/7");
  list->callback([=, &options] {
    auto stub = v1::AuditService::NewStub(OpenChannel(options));
    v1::ListAuditEntriesRequest request;
    request.set_target(flags->target);
    do {
      v1::ListAuditEntriesResponse response;
      grpc::Status status = stub->ListEntries(NewContext(options).get(), request, &response);
      if (!status.ok()) {
        *exit_code = ReportRpcError("AuditService.ListEntries", status);
        return;
      }
      for (const auto& e : response.entries()) {
        if (options.json) {
          PrintMessage(e, true);
        } else {
          std::printf("%lld %s\n", static_cast<long long>(e.position()), e.entry().c_str());
        }
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  });

  CLI::App* checkpoint = audit->add_subcommand("checkpoint", "The latest signed checkpoint");
  checkpoint->add_flag("--create", flags->create, "Sign the current head now");
  checkpoint->callback([=, &options] {
    auto stub = v1::AuditService::NewStub(OpenChannel(options));
    v1::AuditCheckpoint response;
    grpc::Status status = flags->create
                              ? stub->CreateCheckpoint(NewContext(options).get(), {}, &response)
                              : stub->GetCheckpoint(NewContext(options).get(), {}, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("AuditService.GetCheckpoint", status);
      return;
    }
    PrintMessage(response, options.json);
  });

  CLI::App* exported = audit->add_subcommand(
      "export", "Write the whole chain and its checkpoints to FILE (JSON lines)");
  exported->add_option("file", flags->file, "Output file")->required();
  exported->callback([=, &options] {
    auto stub = v1::AuditService::NewStub(OpenChannel(options));
    auto context = NewContext(options);
    auto reader = stub->ExportEntries(context.get(), {});
    const std::string scratch = flags->file + ".partial";
    std::ofstream out(scratch, std::ios::trunc);
    v1::ExportAuditEntriesChunk chunk;
    long long lines = 0;
    while (reader->Read(&chunk)) {
      for (const std::string& line : chunk.lines()) out << line << '\n';
      lines += chunk.lines_size();
    }
    grpc::Status status = reader->Finish();
    out.close();
    if (!status.ok() || !out) {
      std::filesystem::remove(scratch);
      *exit_code = status.ok() ? 1 : ReportRpcError("AuditService.ExportEntries", status);
      return;
    }
    std::filesystem::rename(scratch, flags->file);
    std::printf("wrote %lld lines to %s\n", lines, flags->file.c_str());
  });

  CLI::App* verify = audit->add_subcommand(
      "verify", "Check an export offline: every link, every checkpoint signature");
  verify->add_option("file", flags->file, "An export from `encuentro audit export`")->required();
  verify
      ->add_option("--pubkey", flags->public_key,
                   "The server's public key (64 hex digits, or a file holding them)")
      ->required();
  verify->add_option("--expect-size", flags->expect_size,
                     "Entries the chain held when you last verified it: it must still hold them");
  verify->add_option("--expect-head", flags->expect_head,
                     "The head hash you saw then: the chain at --expect-size must still be it");
  verify->callback([=] { *exit_code = Verify(*flags); });
}

}  // namespace encuentro::cli

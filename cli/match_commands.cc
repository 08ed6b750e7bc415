#include "cli/match_commands.h"

#include <cctype>
#include <cstdio>
#include <memory>

#include "cli/output.h"
#include "encuentro/v1/matching.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct MatchFlags {
  std::string remains;
  std::string missing_person;
  std::string decision;
  std::string reason;
  std::string parent;
  int top_n = 20;
  bool include_excluded = false;
  std::string purpose = "identification";
  std::string legal_basis;
};

const char* LightWord(v1::EvidenceFactor::Light light) {
  switch (light) {
    case v1::EvidenceFactor::MATCH:
      return "match";
    case v1::EvidenceFactor::POSSIBLE:
      return "possible";
    case v1::EvidenceFactor::NO_MATCH:
      return "NO MATCH";
    default:
      return "-";
  }
}

// A table for reviewers: one block per candidate, one line per factor with its light and reason.
void PrintCandidates(const v1::SearchCandidatesResponse& response) {
  std::printf("%d remains template(s) searched against %lld gallery template(s)\n",
              response.remains_templates(), static_cast<long long>(response.gallery_templates()));
  int rank = 0;
  for (const auto& c : response.candidates()) {
    std::printf("\n#%d  %-20s %-28s folio %-18s score %+.2f%s\n", ++rank,
                c.missing_person().c_str(), c.display_name().c_str(), c.case_folio().c_str(),
                c.score(), c.excluded() ? "  EXCLUDED" : "");
    if (c.has_decision()) {
      std::printf("    decision %s by %s: %s\n", v1::Decision_Name(c.decision().decision()).c_str(),
                  c.decision().author().c_str(), c.decision().reason().c_str());
    }
    for (const auto& f : c.factors()) {
      std::printf("    %-8s %-9s %+6.2f%s  %s\n", f.name().c_str(), LightWord(f.light()),
                  f.log10_lr(), f.excludes() ? " (excludes)" : "", f.reason().c_str());
    }
  }
  if (response.candidates_size() == 0) std::printf("no candidates\n");
}

void PrintPair(const v1::CandidatePair& pair) {
  std::printf("%s  %s  now %s\n", pair.remains().c_str(), pair.missing_person().c_str(),
              v1::Decision_Name(pair.current().decision()).c_str());
  for (const auto& d : pair.history()) {
    std::printf("    %s %-12s by %s (%s): %s\n", std::to_string(d.create_time().seconds()).c_str(),
                v1::Decision_Name(d.decision()).c_str(), d.author().c_str(),
                d.organization().c_str(), d.reason().c_str());
  }
}

}  // namespace

void AddMatchCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<MatchFlags>();
  CLI::App* match = app.add_subcommand("match", "Rank missing persons for a set of remains");
  match->add_option("remains", flags->remains, "remains/ID")->required();
  match->add_option("--top", flags->top_n, "Candidates to show")->capture_default_str();
  match->add_flag("--include-excluded", flags->include_excluded,
                  "Also show candidates an exclusion rule dropped");
  match
      ->add_option("--purpose", flags->purpose,
                   "identification, investigation, family_request or quality_review")
      ->capture_default_str();
  match
      ->add_option("--legal-basis", flags->legal_basis,
                   "The legal basis, e.g. the investigation folio (required)")
      ->required();
  match->callback([=, &options] {
    v1::SearchCandidatesRequest request;
    request.set_remains(flags->remains);
    request.set_top_n(flags->top_n);
    request.set_include_excluded(flags->include_excluded);
    request.set_purpose(flags->purpose);
    request.set_legal_basis(flags->legal_basis);
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    v1::SearchCandidatesResponse response;
    grpc::Status status = stub->SearchCandidates(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MatchService.SearchCandidates", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
    } else {
      PrintCandidates(response);
    }
  });

  CLI::App* decide = app.add_subcommand(
      "decide", "Record a reviewer's decision on a candidate pair (history is kept)");
  decide->add_option("remains", flags->remains, "remains/ID")->required();
  decide->add_option("missing_person", flags->missing_person, "missingPersons/ID")->required();
  decide->add_option("--decision", flags->decision, "pending, excluded, possible, sent_for_dna")
      ->required()
      ->check(CLI::IsMember({"pending", "excluded", "possible", "sent_for_dna"}));
  decide->add_option("--reason", flags->reason, "Why (required)")->required();
  decide->callback([=, &options] {
    v1::RecordDecisionRequest request;
    request.set_remains(flags->remains);
    request.set_missing_person(flags->missing_person);
    std::string upper = flags->decision;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    v1::Decision decision = v1::DECISION_UNSPECIFIED;
    v1::Decision_Parse(upper, &decision);
    request.set_decision(decision);
    request.set_reason(flags->reason);
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    v1::CandidatePair pair;
    grpc::Status status = stub->RecordDecision(NewContext(options).get(), request, &pair);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MatchService.RecordDecision", status);
      return;
    }
    if (options.json) {
      PrintMessage(pair, true);
    } else {
      PrintPair(pair);
    }
  });

  CLI::App* candidates = app.add_subcommand(
      "candidates", "Candidate pairs with decisions, for remains/ID or missingPersons/ID");
  candidates->add_option("parent", flags->parent, "remains/ID or missingPersons/ID")->required();
  candidates->callback([=, &options] {
    v1::ListCandidatesRequest request;
    request.set_parent(flags->parent);
    auto stub = v1::MatchService::NewStub(OpenChannel(options));
    v1::ListCandidatesResponse response;
    grpc::Status status = stub->ListCandidates(NewContext(options).get(), request, &response);
    if (!status.ok()) {
      *exit_code = ReportRpcError("MatchService.ListCandidates", status);
      return;
    }
    if (options.json) {
      PrintMessage(response, true);
    } else {
      for (const auto& pair : response.pairs()) PrintPair(pair);
    }
  });
}

}  // namespace encuentro::cli

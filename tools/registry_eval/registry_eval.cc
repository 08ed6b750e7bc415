// encuentro_registry_eval: the evidence engine measured through a running encuentrod, on the
// simulated registry encuentro_evidence_eval scores in process (same generator, seed and truth).
//
//   encuentro_registry_eval populate --data-dir DIR [--seed S] [--calibration FILE]
//   encuentro_registry_eval search --server ADDRESS --data-dir DIR
//
// `populate` writes the registry into DIR's embedded PostgreSQL through the storage layer, as the
// services store records, with face templates as synthetic descriptors: random vectors spread so
// that two people sit about the calibration's mean impostor distance apart, and each set of
// remains with a face placed at a distance drawn from the calibration's genuine density from one
// of its person's templates. The truth goes to DIR/registry-truth.csv, a commission's token to
// DIR/registry.token. encuentrod is then started on DIR; its cross-matcher raises leads as it
// would for any registry. `search` waits for cross-matching to finish, asks SearchCandidates for
// every set of remains, lists the pending leads, and reports ranks, coverage, Cllr, the leads and
// the whole lead trade-off curve. tools/measure_registry.sh runs both around a server.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/principals.h"
#include "encuentro/v1/matching.grpc.pb.h"
#include "encuentro/v1/server.grpc.pb.h"
#include "matching/face_calibration.h"
#include "storage/case_record_store.h"
#include "storage/database.h"
#include "storage/embedded_cluster.h"
#include "storage/migrations.h"
#include "storage/photo_store.h"
#include "storage/principal_store.h"
#include "tools/evidence_eval/simulation.h"

namespace {

using namespace encuentro;
using evaluation::RemainsKind;
constexpr char kOrganization[] = "registro-simulado";
constexpr int kTopN = 500;  // SearchCandidates' largest page

const char* KindName(RemainsKind kind) {
  switch (kind) {
    case RemainsKind::kWithFace:
      return "with_face";
    case RemainsKind::kNotInRegistry:
      return "not_in_registry";
    case RemainsKind::kFaceless:
      return "faceless";
  }
  return "?";
}

FaceDescriptor RandomDescriptor(double sd, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0, static_cast<float>(sd));
  FaceDescriptor d;
  for (float& x : d) x = normal(rng);
  return d;
}

// `from` moved by exactly `distance` in a random direction.
FaceDescriptor AtDistance(const FaceDescriptor& from, double distance, std::mt19937_64& rng) {
  FaceDescriptor direction = RandomDescriptor(1, rng);
  double norm = 0;
  for (float x : direction) norm += static_cast<double>(x) * x;
  norm = std::sqrt(norm);
  FaceDescriptor out;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = from[i] + static_cast<float>(distance * direction[i] / norm);
  }
  return out;
}

records::Photo SyntheticPhoto(records::RecordKind kind, int64_t owner,
                              const FaceDescriptor& descriptor, const std::string& name) {
  records::Photo photo;
  photo.owner_kind = kind;
  photo.owner_id = owner;
  photo.organization = kOrganization;
  photo.sha256 = absl::StrCat("synthetic-", name);
  photo.content_type = "image/jpeg";
  photo.width = photo.height = 150;
  photo.source = kind == records::RecordKind::kRemains ? records::PhotoSource::kPostMortem
                                                       : records::PhotoSource::kFamily;
  photo.faces.push_back({0, 0, 150, 150, {}, records::QualityVerdict::kPass});
  photo.chosen_face = 0;
  photo.descriptor = descriptor;
  photo.model_id = "synthetic";
  return photo;
}

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), std::string(status.message()).c_str());
  return 1;
}

int Populate(const std::filesystem::path& data_dir, const evaluation::SimulationOptions& options,
             const matching::FaceCalibration& calibration) {
  const evaluation::SimulatedRegistry registry = evaluation::GenerateRegistry(options);
  const evaluation::FaceDistanceSampler genuine(calibration, true);
  const evaluation::FaceDistanceSampler impostor(calibration, false);
  // Two independent N(0, sd^2) vectors in 128 dimensions are about sd * sqrt(2 * 128) apart, all
  // at nearly that distance (sd of the distance ~6% of it). Real faces spread wider: each face
  // gets a scale of its own, lognormal with kScaleSpread, which brings the spread of different
  // people's distances to the calibration's (printed below).
  constexpr double kScaleSpread = 0.13;
  const double sd = impostor.Mean() / std::sqrt(2.0 * FaceDescriptor().size()) /
                    std::exp(kScaleSpread * kScaleSpread);
  const auto random_face = [sd](std::mt19937_64& rng) {
    return RandomDescriptor(
        sd * std::exp(kScaleSpread * std::normal_distribution<double>(0, 1)(rng)), rng);
  };

  auto cluster = storage::EmbeddedCluster::Start({.data_dir = data_dir});
  if (!cluster.ok()) return Fail("database", cluster.status());
  if (absl::Status s = storage::ApplyMigrations((*cluster)->SuperuserConnectionString(),
                                                storage::BundledMigrations())
                           .status();
      !s.ok()) {
    return Fail("migrations", s);
  }
  auto database = storage::Database::Open(
      {.connection_string = (*cluster)->ConnectionString("encuentro_app"), .pool_size = 2});
  if (!database.ok()) return Fail("database", database.status());
  storage::CaseRecordStore records(database->get());
  storage::PhotoStore photos(database->get());
  audit::AuditEvent event;
  event.principal = {"registry-eval", kOrganization, auth::Role::kAdmin};
  event.method = "populate";

  std::mt19937_64 rng(options.seed ^ 0x6465736372ULL);  // "descr"
  std::map<int64_t, int64_t> person_ids;                // simulated id -> record id
  std::map<int64_t, std::vector<FaceDescriptor>> templates;
  for (size_t i = 0; i < registry.people.size(); ++i) {
    records::MissingPerson person = registry.people[i];
    const int64_t simulated_id = person.meta.id;
    person.meta = {};
    person.meta.organization = kOrganization;
    person.case_folio = absl::StrCat("SIM-", simulated_id);
    person.issuing_authority = "FGE";
    person.given_names = absl::StrCat("Persona ", simulated_id);
    absl::StatusOr<records::MissingPerson> created = records.InsertMissingPerson(person, {}, event);
    if (!created.ok()) return Fail(person.case_folio, created.status());
    person_ids[simulated_id] = created->meta.id;
    for (int t = 0; t < registry.photos[i]; ++t) {
      templates[simulated_id].push_back(random_face(rng));
      absl::StatusOr<records::Photo> photo = photos.InsertPhoto(
          SyntheticPhoto(records::RecordKind::kMissingPerson, created->meta.id,
                         templates[simulated_id].back(), absl::StrCat("p", simulated_id, "-", t)),
          absl::StrCat("p", simulated_id, "-", t), {}, event);
      if (!photo.ok()) return Fail("photo", photo.status());
    }
    if ((i + 1) % 100 == 0) std::fprintf(stderr, "\r%zu/%zu people", i + 1, registry.people.size());
  }
  std::fprintf(stderr, "\n");

  {
    // How close the geometry comes to the calibration's impostor density.
    std::mt19937_64 check(7);
    double sum = 0, squares = 0, drawn_sum = 0, drawn_squares = 0;
    const int n = 20000;
    for (int k = 0; k < n; ++k) {
      const FaceDescriptor a = random_face(check), b = random_face(check);
      double d = 0;
      for (size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
      d = std::sqrt(d);
      sum += d;
      squares += d * d;
      const double drawn = impostor(check);
      drawn_sum += drawn;
      drawn_squares += drawn * drawn;
    }
    const auto sd_of = [n](double total, double total_squares) {
      return std::sqrt(std::max(0.0, total_squares / n - (total / n) * (total / n)));
    };
    std::printf(
        "different people's templates: distance mean %.3f, sd %.3f (the calibration's impostor "
        "density: mean %.3f, sd %.3f)\n",
        sum / n, sd_of(sum, squares), drawn_sum / n, sd_of(drawn_sum, drawn_squares));
  }
  std::ofstream truth(data_dir / "registry-truth.csv");
  truth << "remains,kind,person,oracle_rank\n";
  for (const evaluation::SimulatedRemains& simulated : registry.remains) {
    records::UnidentifiedRemains remains = simulated.record;
    const int64_t simulated_id = remains.meta.id;
    remains.meta = {};
    remains.meta.organization = kOrganization;
    remains.case_folio = absl::StrCat("SIM-PM-", simulated_id);
    remains.lab = "SEMEFO";
    absl::StatusOr<records::UnidentifiedRemains> created =
        records.InsertRemains(remains, {}, event);
    if (!created.ok()) return Fail(remains.case_folio, created.status());
    if (simulated.kind != RemainsKind::kFaceless) {
      FaceDescriptor face;
      if (simulated.kind == RemainsKind::kWithFace) {
        // The nearest of the person's k photos at the smallest of k genuine distances, as the
        // in-process simulation draws it; the other photos lie where chance puts them.
        const std::vector<FaceDescriptor>& own = templates.at(simulated.person_id);
        double nearest = 1e9;
        for (size_t k = 0; k < own.size(); ++k) nearest = std::min(nearest, genuine(rng));
        face = AtDistance(own[rng() % own.size()], nearest, rng);
      } else {
        face = random_face(rng);
      }
      absl::StatusOr<records::Photo> photo =
          photos.InsertPhoto(SyntheticPhoto(records::RecordKind::kRemains, created->meta.id, face,
                                            absl::StrCat("r", simulated_id)),
                             absl::StrCat("r", simulated_id), {}, event);
      if (!photo.ok()) return Fail("photo", photo.status());
    }
    truth << created->meta.id << "," << KindName(simulated.kind) << ","
          << (simulated.person_id > 0 ? person_ids.at(simulated.person_id) : 0) << ","
          << simulated.oracle_rank << "\n";
  }
  truth.close();
  if (!truth) return Fail("truth", absl::InternalError("cannot write registry-truth.csv"));

  storage::PrincipalStore principal_store(database->get());
  auth::Principals principals(&principal_store);
  const auth::Principal setup{"registry-eval", "operator", auth::Role::kAdmin};
  if (absl::Status s = principals.CreateOrganization(setup, kOrganization,
                                                     auth::OrganizationKind::kSearchCommission);
      !s.ok()) {
    return Fail("organization", s);
  }
  if (auto user = principals.CreateUser(setup, "evaluadora", kOrganization,
                                        auth::Role::kCommissionStaff, "");
      !user.ok()) {
    return Fail("user", user.status());
  }
  absl::StatusOr<auth::IssuedToken> token =
      principals.IssueToken(setup, "evaluadora", std::chrono::seconds(0), "registry evaluation");
  if (!token.ok()) return Fail("token", token.status());
  std::ofstream(data_dir / "registry.token") << token->token << "\n";
  std::printf("populated %zu missing persons and %zu remains (seed %llu)\n", registry.people.size(),
              registry.remains.size(), static_cast<unsigned long long>(options.seed));
  database->reset();
  return (*cluster)->Stop().ok() ? 0 : 1;
}

struct TruthRow {
  int64_t remains = 0;
  std::string kind;
  int64_t person = 0;
  int oracle_rank = 0;
};

struct Searched {
  TruthRow truth;
  int64_t scored = 0;
  int true_rank = 0;  // among the candidates not excluded; 0: excluded or not returned
  bool true_excluded = false;
  std::optional<double> true_log10_lr;
  std::optional<double> true_posterior;
  std::vector<double> wrong_log10_lr;
  std::vector<double> wrong_posteriors;
};

int64_t IdOf(const std::string& name) {
  int64_t id = 0;
  (void)absl::SimpleAtoi(name.substr(name.rfind('/') + 1), &id);
  return id;
}

double Share(int hits, int of) { return of > 0 ? 100.0 * hits / of : 0; }

int Search(const std::string& server, const std::filesystem::path& data_dir) {
  std::ifstream token_file(data_dir / "registry.token");
  std::string token;
  token_file >> token;
  std::vector<TruthRow> truth;
  {
    std::ifstream in(data_dir / "registry-truth.csv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f = absl::StrSplit(line, ',');
      if (f.size() != 4) continue;
      TruthRow row;
      row.kind = f[1];
      if (!absl::SimpleAtoi(f[0], &row.remains) || !absl::SimpleAtoi(f[2], &row.person) ||
          !absl::SimpleAtoi(f[3], &row.oracle_rank)) {
        continue;
      }
      truth.push_back(row);
    }
  }
  if (token.empty() || truth.empty()) {
    std::fprintf(stderr, "no registry.token or registry-truth.csv in %s: run populate first\n",
                 data_dir.c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto info_stub = v1::ServerService::NewStub(channel);
  auto match_stub = v1::MatchService::NewStub(channel);
  const auto authorize = [&](grpc::ClientContext& context) {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  };

  // Cross-matching works through every new record's job in the background first.
  const auto waiting = std::chrono::steady_clock::now();
  for (;;) {
    grpc::ClientContext context;
    authorize(context);
    v1::ServerInfo info;
    grpc::Status status = info_stub->GetServerInfo(&context, {}, &info);
    if (!status.ok()) {
      std::fprintf(stderr, "GetServerInfo: %s\n", status.error_message().c_str());
      return 1;
    }
    if (info.cross_match().queued() == 0) {
      if (info.cross_match().failed() > 0) {
        std::fprintf(stderr, "\n%lld cross-match jobs failed (%s): the leads are incomplete\n",
                     static_cast<long long>(info.cross_match().failed()),
                     info.cross_match().last_error().c_str());
      }
      break;
    }
    if (info.cross_match().workers() == 0) {
      std::fprintf(stderr, "the server runs no cross-matching workers\n");
      return 1;
    }
    std::fprintf(stderr, "\rcross-matching: %lld jobs queued   ",
                 static_cast<long long>(info.cross_match().queued()));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  const double cross_match_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - waiting).count();

  std::vector<Searched> results;
  const auto started = std::chrono::steady_clock::now();
  for (const TruthRow& row : truth) {
    v1::SearchCandidatesRequest request;
    request.set_remains(absl::StrCat("remains/", row.remains));
    request.set_top_n(kTopN);
    request.set_include_excluded(true);
    request.set_purpose("identification");
    request.set_legal_basis("EVALUACION-REGISTRO-SIMULADO");
    grpc::ClientContext context;
    authorize(context);
    v1::SearchCandidatesResponse response;
    grpc::Status status = match_stub->SearchCandidates(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "remains/%lld: %s\n", static_cast<long long>(row.remains),
                   status.error_message().c_str());
      return 1;
    }
    Searched s;
    s.truth = row;
    s.scored = response.candidates_scored();
    int rank = 0;
    for (const v1::Candidate& c : response.candidates()) {
      const int64_t person = IdOf(c.missing_person());
      if (!c.excluded()) ++rank;
      if (person == row.person) {
        s.true_rank = c.excluded() ? 0 : rank;
        s.true_excluded = c.excluded();
        s.true_log10_lr = c.log10_lr();
        s.true_posterior = c.posterior();
      } else {
        s.wrong_log10_lr.push_back(c.log10_lr());
        // An excluded pair is never a lead, whatever its posterior.
        if (!c.excluded()) s.wrong_posteriors.push_back(c.posterior());
      }
    }
    results.push_back(std::move(s));
    if (results.size() % 50 == 0)
      std::fprintf(stderr, "\r%zu/%zu searched", results.size(), truth.size());
  }
  const double search_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "\n");

  // The pending leads the cross-matcher raised.
  std::set<std::pair<int64_t, int64_t>> leads;
  std::string page_token;
  do {
    v1::ListCandidatesRequest request;
    request.set_current_decision(v1::PENDING);
    request.set_page_size(500);
    request.set_page_token(page_token);
    grpc::ClientContext context;
    authorize(context);
    v1::ListCandidatesResponse response;
    grpc::Status status = match_stub->ListCandidates(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "ListCandidates: %s\n", status.error_message().c_str());
      return 1;
    }
    for (const v1::CandidatePair& pair : response.pairs()) {
      leads.insert({IdOf(pair.remains()), IdOf(pair.missing_person())});
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());

  // Registry size: every person that can be a candidate (the truth names the registered ones;
  // the responses' scored counts bound it from below).
  int64_t registry = 0;
  for (const Searched& s : results) registry = std::max(registry, s.scored);
  std::map<std::string, std::vector<const Searched*>> by_kind;
  for (const Searched& s : results) by_kind[s.truth.kind].push_back(&s);
  const auto rank_within = [&](const std::string& kind, int within) {
    int hits = 0;
    for (const Searched* s : by_kind[kind]) hits += s->true_rank > 0 && s->true_rank <= within;
    return Share(hits, static_cast<int>(by_kind[kind].size()));
  };
  const auto count = [&](const std::string& kind, auto predicate) {
    int n = 0;
    for (const Searched* s : by_kind[kind]) n += predicate(*s) ? 1 : 0;
    return n;
  };
  std::printf(
      "registry through encuentrod %s: %zu remains searched in %.1f s (%.1f ms each, top %d "
      "with excluded); cross-matching was done %.1f s after this tool began waiting for it\n",
      server.c_str(), results.size(), search_seconds, 1000 * search_seconds / results.size(), kTopN,
      cross_match_seconds);
  std::printf("candidates scored per search: %lld of the live registry (the largest count seen)\n",
              static_cast<long long>(registry));
  std::printf("face remains:     rank-1 %.1f%%, rank-10 %.1f%% of %zu\n",
              rank_within("with_face", 1), rank_within("with_face", 10),
              by_kind["with_face"].size());
  const int faceless = static_cast<int>(by_kind["faceless"].size());
  std::printf(
      "faceless remains: rank-1 %.1f%%, rank-10 %.1f%% of %d; true person excluded by the "
      "evidence %d (seen within the top %d), past it %d\n",
      rank_within("faceless", 1), rank_within("faceless", 10), faceless,
      count("faceless", [](const Searched& s) { return s.true_excluded; }), kTopN,
      count("faceless", [](const Searched& s) { return !s.true_log10_lr; }));
  std::printf(
      "  ceiling (Bayes-optimal under the simulator's own model): rank-1 %.1f%%, rank-10 "
      "%.1f%%\n",
      Share(count("faceless", [](const Searched& s) { return s.truth.oracle_rank == 1; }),
            faceless),
      Share(count("faceless",
                  [](const Searched& s) {
                    return s.truth.oracle_rank > 0 && s.truth.oracle_rank <= 10;
                  }),
            faceless));

  // Cllr over every pair. Candidates are ranked by log10 LR plus the place prior's weight (within
  // +-0.3), so a pair past the top 500 that no rule excludes has an LR at most the lowest returned
  // plus 0.6: counted there, it can only overstate the cost. Excluded pairs past the top are
  // assumed no higher. Same-person pairs past the top are left out and counted.
  std::vector<double> genuine, impostor;
  int genuine_beyond = 0;
  int64_t padded = 0;
  for (const Searched& s : results) {
    const double floor =
        s.wrong_log10_lr.empty()
            ? 0
            : *std::min_element(s.wrong_log10_lr.begin(), s.wrong_log10_lr.end()) + 0.6;
    impostor.insert(impostor.end(), s.wrong_log10_lr.begin(), s.wrong_log10_lr.end());
    const int64_t returned_wrong = static_cast<int64_t>(s.wrong_log10_lr.size());
    const int64_t wrong_pairs = registry - (s.truth.person > 0 ? 1 : 0);
    for (int64_t k = returned_wrong; k < wrong_pairs; ++k) impostor.push_back(floor);
    padded += std::max<int64_t>(0, wrong_pairs - returned_wrong);
    if (s.truth.person > 0) {
      if (s.true_log10_lr) {
        genuine.push_back(*s.true_log10_lr);
      } else {
        ++genuine_beyond;
      }
    }
  }
  std::printf(
      "combined LR: Cllr %.3f, Cllr_min %.3f over %zu same-person and %zu different-person pairs, "
      "%lld of these past the top %d counted at the lowest LR returned + 0.6 (an upper bound); "
      "%d same-person pairs past the top left out\n",
      evaluation::Cllr(genuine, impostor), evaluation::CllrMin(genuine, impostor), genuine.size(),
      impostor.size(), static_cast<long long>(padded), kTopN, genuine_beyond);

  // The leads the server raised by itself.
  int true_leads = 0, false_leads_unregistered = 0, unregistered_with_lead = 0, false_leads = 0;
  std::map<int64_t, const Searched*> by_remains;
  for (const Searched& s : results) by_remains[s.truth.remains] = &s;
  std::set<int64_t> unregistered_seen;
  for (const auto& [remains, person] : leads) {
    const auto it = by_remains.find(remains);
    if (it == by_remains.end()) continue;
    const Searched& s = *it->second;
    const bool right = s.truth.person == person;
    false_leads += right ? 0 : 1;
    if (s.truth.kind == "with_face" && right) ++true_leads;
    if (s.truth.kind == "not_in_registry") {
      ++false_leads_unregistered;
      unregistered_with_lead += unregistered_seen.insert(remains).second ? 1 : 0;
    }
  }
  const int with_face = static_cast<int>(by_kind["with_face"].size());
  const int unregistered = static_cast<int>(by_kind["not_in_registry"].size());
  std::printf(
      "leads the cross-matcher raised (pending): %zu; true leads %.1f%% of face remains; %.1f "
      "false leads per 100 unregistered remains (%.1f%% raise any); %.1f%% of all leads false\n",
      leads.size(), Share(true_leads, with_face),
      unregistered ? 100.0 * false_leads_unregistered / unregistered : 0,
      Share(unregistered_with_lead, unregistered),
      Share(false_leads, static_cast<int>(leads.size())));

  // The whole trade-off, from the searches' posteriors.
  std::printf(
      "lead trade-off by the searches' posteriors:\n"
      "  posterior  true leads  false leads/100 unregistered  unregistered with a lead  "
      "false share of all leads\n");
  for (const double t : {0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99}) {
    int hits = 0, wrong = 0, wrong_unregistered = 0, with_lead = 0, all = 0;
    for (const Searched& s : results) {
      const int above = static_cast<int>(std::count_if(
          s.wrong_posteriors.begin(), s.wrong_posteriors.end(), [t](double p) { return p >= t; }));
      const bool true_above = s.true_posterior && !s.true_excluded && *s.true_posterior >= t;
      wrong += above;
      all += above + (true_above ? 1 : 0);
      if (s.truth.kind == "with_face") hits += true_above ? 1 : 0;
      if (s.truth.kind == "not_in_registry") {
        wrong_unregistered += above;
        with_lead += above > 0 ? 1 : 0;
      }
    }
    std::printf("  %9.3f  %9.1f%%  %28.1f  %23.1f%%  %23.1f%%\n", t, Share(hits, with_face),
                unregistered ? 100.0 * wrong_unregistered / unregistered : 0,
                Share(with_lead, unregistered), Share(wrong, all));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The evidence engine measured through encuentrod on a simulated registry"};
  app.require_subcommand(1);
  std::string data_dir;
  std::string calibration_path = "matching/data/face_calibration_default.json";
  evaluation::SimulationOptions options;
  CLI::App* populate = app.add_subcommand("populate", "Write the simulated registry into DIR");
  populate->add_option("--data-dir", data_dir, "encuentrod data directory (new)")->required();
  populate->add_option("--seed", options.seed, "Seed of the registry (as encuentro_evidence_eval)");
  populate->add_option("--calibration", calibration_path,
                       "Face calibration whose genuine density places the remains' faces");
  std::string server;
  CLI::App* search = app.add_subcommand("search", "Search every remains through a server");
  search->add_option("--server", server, "encuentrod address")->required();
  search->add_option("--data-dir", data_dir, "The populated data directory")->required();
  CLI11_PARSE(app, argc, argv);
  if (populate->parsed()) {
    absl::StatusOr<matching::FaceCalibration> calibration =
        matching::FaceCalibration::LoadFile(calibration_path);
    if (!calibration.ok()) return Fail(calibration_path, calibration.status());
    return Populate(data_dir, options, *calibration);
  }
  return Search(server, data_dir);
}

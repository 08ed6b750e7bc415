#include "storage/match_store.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "records/names.h"
#include "storage/audit_writer.h"
#include "storage/connection_pool.h"
#include "storage/decision_lock.h"
#include "storage/record_children.h"
#include "storage/sql_values.h"

namespace encuentro::storage {
namespace {

// A date selected as days since 1970-01-01.
std::optional<records::Date> EpochDay(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return records::Date(std::chrono::sys_days(std::chrono::days(field.as<int>())));
}

StoredTemplate ReadTemplate(const pqxx::row& row) {
  StoredTemplate t;
  t.photo_id = row[0].as<int64_t>();
  t.owner_id = row[1].as<int64_t>();
  FloatsField(row[2], t.descriptor);  // length-checked by the table
  t.age_years = DoubleField(row[3]);
  t.synthetic = row[4].as<bool>();
  t.failed_quality = row[5].as<bool>();
  SecondFaceEmbedding second;
  if (FloatsField(row[6], second)) {
    t.second_embedding = second;
    t.second_model_id = row[7].as<std::string>();
  }
  return t;
}

// The columns after age_years that ReadTemplate expects: synthetic, whether the chosen face
// failed its quality checks, and the second model's embedding with its model id.
#define kTraitColumns                                                                \
  "p.synthetic, coalesce(p.faces -> p.chosen_face ->> 'overall', 'pass') = 'fail', " \
  "e.embedding, e.model_id"

// Templates with their second-model embeddings, when they have one.
#define kTemplatesFrom \
  " FROM face_templates t LEFT JOIN face_embeddings e ON e.photo_id = t.photo_id "

// Live templates of live missing persons; the gallery holds exactly these.
constexpr char kGallerySelect[] =
    "SELECT t.photo_id, p.missing_person_id, t.descriptor, t.age_years, " kTraitColumns
        kTemplatesFrom
    "JOIN photos p ON p.id = t.photo_id JOIN missing_persons m ON m.id = p.missing_person_id "
    "WHERE p.delete_time IS NULL AND m.delete_time IS NULL ";

constexpr const char* kDecisions[] = {"pending", "excluded", "possible", "sent_for_dna",
                                      "identified"};
constexpr const char* kEvidenceKinds[] = {"dna_report", "dental_comparison",
                                          "fingerprint_comparison"};

Decision DecisionFromSql(const std::string& text) {
  for (size_t i = 0; i < std::size(kDecisions); ++i) {
    if (text == kDecisions[i]) return static_cast<Decision>(i);
  }
  return Decision::kPending;
}

constexpr char kDecisionColumns[] =
    "SELECT id, remains_id, missing_person_id, decision, reason, principal, organization, "
    "(extract(epoch from create_time) * 1e6)::bigint, lead_posterior, lead_log10_lr, "
    "(SELECT r.lab FROM remains r WHERE r.id = match_decisions.remains_id) FROM match_decisions ";

DecisionRecord ReadDecision(const pqxx::row& row) {
  DecisionRecord d;
  d.id = row[0].as<int64_t>();
  d.remains_id = row[1].as<int64_t>();
  d.missing_person_id = row[2].as<int64_t>();
  d.decision = DecisionFromSql(row[3].as<std::string>());
  d.reason = row[4].as<std::string>();
  d.principal = row[5].as<std::string>();
  d.organization = row[6].as<std::string>();
  d.create_time = MicrosField(row[7]);
  if (!row[8].is_null()) d.lead_posterior = row[8].as<double>();
  if (!row[9].is_null()) d.lead_log10_lr = row[9].as<double>();
  d.remains_lab = row[10].as<std::string>("");
  return d;
}

}  // namespace

void LockCandidatePair(pqxx::transaction_base& tx, int64_t remains_id, int64_t missing_person_id) {
  SqlParams()
      .Add(remains_id)
      .Add(missing_person_id)
      .Exec(tx, "SELECT pg_advisory_xact_lock(hashtextextended('pair:' || $1 || ':' || $2, 0))");
}

absl::StatusOr<DecisionRecord> MatchStore::InsertDecision(const DecisionRecord& decision,
                                                          const audit::AuditEvent& event) {
  std::optional<DecisionRecord> stored;
  bool missing = false;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const pqxx::row exists = SqlParams()
                                 .Add(decision.remains_id)
                                 .Add(decision.missing_person_id)
                                 .Exec(tx,
                                       "SELECT EXISTS (SELECT 1 FROM remains WHERE id = $1), "
                                       "EXISTS (SELECT 1 FROM missing_persons WHERE id = $2)")
                                 .at(0);
    if (!exists[0].as<bool>() || !exists[1].as<bool>()) {
      missing = true;
      return;
    }
    LockCandidatePair(tx, decision.remains_id, decision.missing_person_id);
    const pqxx::result inserted =
        SqlParams()
            .Add(decision.remains_id)
            .Add(decision.missing_person_id)
            .Add(kDecisions[static_cast<int>(decision.decision)])
            .Add(decision.reason)
            .Add(decision.principal)
            .Add(decision.organization)
            .Add(decision.lead_posterior)
            .Add(decision.lead_log10_lr)
            .Exec(tx,
                  "INSERT INTO match_decisions (remains_id, missing_person_id, decision, reason, "
                  "principal, organization, lead_posterior, lead_log10_lr) VALUES ($1, $2, $3, "
                  "$4, $5, $6, $7, $8) RETURNING id");
    AppendAuditEntry(*database_, tx, event);
    stored = ReadDecision(SqlParams()
                              .Add(inserted.at(0)[0].as<int64_t>())
                              .Exec(tx, std::string(kDecisionColumns) + "WHERE id = $1")
                              .at(0));
    tx.commit();
  });
  if (!status.ok()) return status;
  if (missing) return absl::NotFoundError("remains or missing person not found");
  return *stored;
}

namespace {

constexpr char kIdentificationColumns[] =
    "SELECT id, remains_id, missing_person_id, evidence::text, board_reference, board_date, "
    "reason, principal, organization, (extract(epoch from create_time) * 1e6)::bigint FROM "
    "identifications ";

records::Identification ReadIdentification(const pqxx::row& row) {
  records::Identification i;
  i.id = row[0].as<int64_t>();
  i.remains_id = row[1].as<int64_t>();
  i.missing_person_id = row[2].as<int64_t>();
  const nlohmann::json evidence = nlohmann::json::parse(row[3].as<std::string>());
  for (const auto& e : evidence) {
    records::ConfirmingEvidence& item = i.evidence.emplace_back();
    const std::string kind = e.at("kind").get<std::string>();
    for (size_t k = 0; k < std::size(kEvidenceKinds); ++k) {
      if (kind == kEvidenceKinds[k]) item.kind = static_cast<records::ConfirmingEvidenceKind>(k);
    }
    item.reference = e.at("reference").get<std::string>();
    if (e.contains("date_days")) {
      item.date =
          records::Date(std::chrono::sys_days(std::chrono::days(e["date_days"].get<int>())));
    }
  }
  i.board_reference = row[4].as<std::string>();
  i.board_date = DateField(row[5]);
  i.reason = row[6].as<std::string>();
  i.principal = row[7].as<std::string>();
  i.organization = row[8].as<std::string>();
  i.create_time = MicrosField(row[9]);
  return i;
}

}  // namespace

std::unordered_map<int64_t, records::Identification> IdentificationsOf(
    pqxx::transaction_base& tx, records::RecordKind kind, const std::vector<int64_t>& owner_ids) {
  std::unordered_map<int64_t, records::Identification> found;
  const bool person = kind == records::RecordKind::kMissingPerson;
  for (const auto& row : SqlParams()
                             .Add(IdArray(owner_ids))
                             .Exec(tx, absl::StrCat(kIdentificationColumns, "WHERE ",
                                                    person ? "missing_person_id" : "remains_id",
                                                    " = ANY($1::bigint[])"))) {
    records::Identification i = ReadIdentification(row);
    found[person ? i.missing_person_id : i.remains_id] = std::move(i);
  }
  return found;
}

absl::StatusOr<records::Identification> MatchStore::InsertIdentification(
    const records::Identification& identification, const DecisionRecord& decision,
    const audit::AuditEvent& event) {
  std::optional<records::Identification> stored;
  absl::Status outcome = absl::OkStatus();
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    LockCandidatePair(tx, identification.remains_id, identification.missing_person_id);
    for (const auto& [table, id] :
         {std::pair{"remains", identification.remains_id},
          std::pair{"missing_persons", identification.missing_person_id}}) {
      const pqxx::result row = SqlParams().Add(id).Exec(
          tx,
          absl::StrCat("SELECT delete_time IS NOT NULL FROM ", table, " WHERE id = $1 FOR UPDATE"));
      if (row.empty()) {
        outcome = absl::NotFoundError("remains or missing person not found");
        return;
      }
      if (row[0][0].as<bool>()) {
        outcome = absl::FailedPreconditionError("a deleted record cannot be identified");
        return;
      }
    }
    const pqxx::result earlier =
        SqlParams()
            .Add(identification.remains_id)
            .Add(identification.missing_person_id)
            .Exec(tx, std::string(kIdentificationColumns) +
                          "WHERE remains_id = $1 OR missing_person_id = $2");
    if (!earlier.empty()) {
      const records::Identification before = ReadIdentification(earlier[0]);
      outcome = absl::FailedPreconditionError(
          absl::StrCat(records::RemainsName(before.remains_id), " was already identified as ",
                       records::MissingPersonName(before.missing_person_id), " (board reference ",
                       before.board_reference, ")"));
      return;
    }
    nlohmann::json evidence = nlohmann::json::array();
    for (const records::ConfirmingEvidence& e : identification.evidence) {
      nlohmann::json item = {{"kind", kEvidenceKinds[static_cast<int>(e.kind)]},
                             {"reference", e.reference}};
      if (e.date) {
        item["date_days"] = std::chrono::sys_days(*e.date).time_since_epoch().count();
      }
      evidence.push_back(std::move(item));
    }
    const int64_t id =
        SqlParams()
            .Add(identification.remains_id)
            .Add(identification.missing_person_id)
            .Add(evidence.dump())
            .Add(identification.board_reference)
            .Add(identification.board_date)
            .Add(identification.reason)
            .Add(identification.principal)
            .Add(identification.organization)
            .Exec(tx,
                  "INSERT INTO identifications (remains_id, missing_person_id, evidence, "
                  "board_reference, board_date, reason, principal, organization) VALUES ($1, $2, "
                  "$3::jsonb, $4, $5, $6, $7, $8) RETURNING id")
            .at(0)[0]
            .as<int64_t>();
    SqlParams()
        .Add(decision.remains_id)
        .Add(decision.missing_person_id)
        .Add(kDecisions[static_cast<int>(Decision::kIdentified)])
        .Add(decision.reason)
        .Add(decision.principal)
        .Add(decision.organization)
        .Exec(tx,
              "INSERT INTO match_decisions (remains_id, missing_person_id, decision, reason, "
              "principal, organization) VALUES ($1, $2, $3, $4, $5, $6)");
    // Both records change in this transaction: the person is found dead, the remains named.
    SqlParams()
        .Add(identification.missing_person_id)
        .Exec(
            tx,
            "UPDATE missing_persons SET status = 'located_deceased', update_time = now(), revision "
            "= revision + 1 WHERE id = $1");
    SqlParams()
        .Add(identification.remains_id)
        .Exec(tx, "UPDATE remains SET update_time = now(), revision = revision + 1 WHERE id = $1");
    AppendAuditEntry(*database_, tx, event);
    stored = ReadIdentification(
        SqlParams().Add(id).Exec(tx, std::string(kIdentificationColumns) + "WHERE id = $1").at(0));
    tx.commit();
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  return *stored;
}

absl::StatusOr<std::vector<DecisionRecord>> MatchStore::ListDecisions(records::RecordKind kind,
                                                                      int64_t id) {
  std::vector<DecisionRecord> decisions;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const std::string column =
        kind == records::RecordKind::kRemains ? "remains_id" : "missing_person_id";
    for (const auto& row : SqlParams().Add(id).Exec(
             tx, std::string(kDecisionColumns) + "WHERE " + column + " = $1 ORDER BY id")) {
      decisions.push_back(ReadDecision(row));
    }
  });
  if (!status.ok()) return status;
  return decisions;
}

absl::StatusOr<std::vector<StoredTemplate>> MatchStore::LoadGalleryTemplates() {
  std::vector<StoredTemplate> templates;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row : tx.exec(std::string(kGallerySelect) + "ORDER BY t.photo_id")) {
      templates.push_back(ReadTemplate(row));
    }
  });
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<std::vector<StoredTemplate>> MatchStore::RemainsTemplates(int64_t remains_id) {
  std::vector<StoredTemplate> templates;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         SqlParams()
             .Add(remains_id)
             .Exec(tx, "SELECT t.photo_id, p.remains_id, t.descriptor, t.age_years, " kTraitColumns
                           kTemplatesFrom
                       "JOIN photos p ON p.id = t.photo_id WHERE p.remains_id = $1 AND "
                       "p.delete_time IS NULL ORDER BY t.photo_id")) {
      templates.push_back(ReadTemplate(row));
    }
  });
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<std::vector<records::MissingPerson>> MatchStore::LoadCandidateProfiles(
    const std::vector<int64_t>* ids) {
  std::vector<records::MissingPerson> people;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    // Dates as days since 1970: tens of thousands of rows parse faster as integers.
    const std::string query =
        "SELECT id, organization, status, sex, date_of_birth - DATE '1970-01-01', "
        "age_at_disappearance_years, age_uncertainty_years, "
        "last_seen_date - DATE '1970-01-01', last_seen_latitude, last_seen_longitude, "
        "reported_height_cm, reported_height_precision_cm, date_of_birth_precision, "
        "last_seen_precision FROM live_missing_persons " +
        std::string(ids ? "WHERE id = ANY($1::bigint[]) " : "") + "ORDER BY id";
    const pqxx::result rows = ids ? tx.exec_params(query, IdArray(*ids)) : tx.exec(query);
    for (const auto& row : rows) {
      records::MissingPerson& p = people.emplace_back();
      p.meta.id = row[0].as<int64_t>();
      p.meta.organization = row[1].as<std::string>();
      p.status = row[2].as<std::string>() == "located_deceased"
                     ? records::MissingPersonStatus::kLocatedDeceased
                     : records::MissingPersonStatus::kMissing;
      p.sex = SexFromSql(row[3].as<std::string>());
      p.date_of_birth = EpochDay(row[4]);
      if (const std::optional<double> age = DoubleField(row[5])) {
        p.age_at_disappearance = records::AgeAtDisappearance{*age, DoubleField(row[6]).value_or(0)};
      }
      p.last_seen_date = EpochDay(row[7]);
      const std::optional<double> latitude = DoubleField(row[8]);
      const std::optional<double> longitude = DoubleField(row[9]);
      if (latitude && longitude)
        p.last_seen_place.location = records::GeoPoint{*latitude, *longitude};
      if (const std::optional<double> height = DoubleField(row[10])) {
        p.reported_height = records::ReportedHeight{*height, DoubleField(row[11]).value_or(0)};
      }
      p.date_of_birth_precision = PrecisionFromSql(row[12].as<std::string>());
      p.last_seen_precision = PrecisionFromSql(row[13].as<std::string>());
    }
    auto marks = LiveMarksOf(tx, records::RecordKind::kMissingPerson, ids);
    auto charts = DentalChartsOf(tx, records::RecordKind::kMissingPerson, ids);
    auto effects = LiveEffectsOf(tx, records::RecordKind::kMissingPerson, ids);
    for (records::MissingPerson& p : people) {
      if (auto it = marks.find(p.meta.id); it != marks.end()) {
        p.distinguishing_marks = std::move(it->second);
      }
      if (auto it = charts.find(p.meta.id); it != charts.end()) {
        p.dental_chart = std::move(it->second);
      }
      if (auto it = effects.find(p.meta.id); it != effects.end()) p.effects = std::move(it->second);
    }
  });
  if (!status.ok()) return status;
  return people;
}

absl::StatusOr<std::vector<int64_t>> MatchStore::SelectRemainsCandidates(
    const RemainsFilter& filter) {
  std::vector<int64_t> ids;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    SqlParams params;
    std::string where =
        "delete_time IS NULL AND NOT EXISTS (SELECT 1 FROM identifications i WHERE i.remains_id = "
        "remains.id)";
    int n = 0;
    if (filter.last_seen_date) {
      // Found no earlier than the person was last seen (less the margin for uncertain dates).
      params.Add(*filter.last_seen_date).Add(filter.date_margin_days);
      absl::StrAppend(&where, " AND (found_date IS NULL OR found_date >= $", n + 1, "::date - ($",
                      n + 2, "::double precision * interval '1 day'))");
      n += 2;
    }
    if (filter.person_sex && *filter.person_sex != records::Sex::kUnknown) {
      // Only an estimate of the other sex from soft tissue or DNA rules remains out.
      params.Add(SexToSql(*filter.person_sex));
      absl::StrAppend(&where, " AND (sex_estimate IS NULL OR sex_estimate IN ('unknown', $", ++n,
                      ") OR sex_method_kind NOT IN ('soft_tissue', 'dna'))");
    }
    for (const auto& row : params.Exec(tx, "SELECT id FROM remains WHERE " + where)) {
      ids.push_back(row[0].as<int64_t>());
    }
  });
  if (!status.ok()) return status;
  return ids;
}

absl::StatusOr<int64_t> MatchStore::CountLivePersons() {
  int64_t count = 0;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    count = tx.exec1("SELECT count(*) FROM live_missing_persons")[0].as<int64_t>();
  });
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<records::RegistryCounts> MatchStore::RegistryCounts() {
  records::RegistryCounts counts;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    constexpr char kLive[] = " FROM live_missing_persons ";
    for (const auto& row : tx.exec(std::string("SELECT sex, count(*), count(reported_height_cm), "
                                               "coalesce(avg(reported_height_cm), 0), "
                                               "coalesce(stddev_samp(reported_height_cm), 0)") +
                                   kLive + "GROUP BY sex")) {
      const records::Sex sex = SexFromSql(row[0].as<std::string>());
      counts.people += row[1].as<int64_t>();
      if (sex == records::Sex::kFemale) {
        counts.female = row[1].as<int64_t>();
        counts.female_heights = row[2].as<int64_t>();
        counts.female_height_mean = row[3].as<double>();
        counts.female_height_sd = row[4].as<double>();
      } else if (sex == records::Sex::kMale) {
        counts.male = row[1].as<int64_t>();
        counts.male_heights = row[2].as<int64_t>();
        counts.male_height_mean = row[3].as<double>();
        counts.male_height_sd = row[4].as<double>();
      }
    }
    for (const auto& row : tx.exec(
             "SELECT a, count(*) FROM (SELECT floor(coalesce((last_seen_date - date_of_birth) / "
             "365.2425, age_at_disappearance_years))::integer AS a" +
             std::string(kLive) + ") ages WHERE a >= 0 AND a < " +
             std::to_string(records::kTabulatedAgeYears) + " GROUP BY a")) {
      counts.ages[row[0].as<size_t>()] = row[1].as<int64_t>();
    }
    constexpr char kLiveMarks[] =
        " FROM distinguishing_marks m JOIN live_missing_persons p ON p.id = m.missing_person_id "
        "WHERE m.delete_time IS NULL ";
    // Region NULL: the kind anywhere. Marks of unspecified region count only there.
    for (const auto& row :
         tx.exec(std::string("SELECT m.kind, m.body_region, count(DISTINCT p.id)") + kLiveMarks +
                 "GROUP BY GROUPING SETS ((m.kind, m.body_region), (m.kind))")) {
      if (!row[1].is_null() && row[1].as<std::string>() == "unspecified") continue;
      counts.marks.push_back({MarkKindFromSql(row[0].as<std::string>()),
                              row[1].is_null() ? records::BodyRegion::kUnspecified
                                               : BodyRegionFromSql(row[1].as<std::string>()),
                              row[2].as<int64_t>()});
    }
    for (const auto& row :
         tx.exec("SELECT m.kind, k.keyword, count(DISTINCT p.id) FROM distinguishing_marks m "
                 "CROSS JOIN LATERAL unnest(m.keywords) AS k (keyword) JOIN live_missing_persons p "
                 "ON p.id = m.missing_person_id WHERE m.delete_time IS NULL GROUP BY 1, 2")) {
      counts.mark_keywords.push_back({MarkKindFromSql(row[0].as<std::string>()),
                                      row[1].as<std::string>(), row[2].as<int64_t>()});
    }
    // Dental features by tooth among people with a chart: lost in life, or a kind of treatment.
    constexpr char kCharts[] =
        " FROM dental_charts c JOIN live_missing_persons p ON p.id = c.missing_person_id CROSS "
        "JOIN LATERAL jsonb_each(c.teeth) AS t (fdi, tooth) ";
    constexpr char kLivePeople[] = " WHERE true ";
    counts.dental_charts =
        tx.exec1(absl::StrCat("SELECT count(DISTINCT p.id)", kCharts, kLivePeople))[0]
            .as<int64_t>();
    const auto add_features = [&](const std::string& sql) {
      for (const auto& row : tx.exec(sql)) {
        counts.tooth_features.push_back(
            {std::stoi(row[0].as<std::string>()), row[1].as<std::string>(), row[2].as<int64_t>()});
      }
    };
    add_features(absl::StrCat("SELECT t.fdi, 'missing_am', count(DISTINCT p.id)", kCharts,
                              kLivePeople, "AND t.tooth ->> 'state' = 'missing_am' GROUP BY 1"));
    add_features(absl::StrCat(
        "SELECT t.fdi, r.restoration ->> 'kind', count(DISTINCT p.id)", kCharts,
        "CROSS JOIN LATERAL jsonb_array_elements(t.tooth -> 'restorations') AS r (restoration)",
        kLivePeople, "GROUP BY 1, 2"));
  });
  if (!status.ok()) return status;
  return counts;
}

absl::StatusOr<std::vector<StoredTemplate>> MatchStore::RemainsTemplatesOf(
    const std::vector<int64_t>& remains_ids) {
  std::vector<StoredTemplate> templates;
  if (remains_ids.empty()) return templates;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         SqlParams()
             .Add(IdArray(remains_ids))
             .Exec(tx, "SELECT t.photo_id, p.remains_id, t.descriptor, t.age_years, " kTraitColumns
                           kTemplatesFrom "JOIN photos p ON p.id = t.photo_id WHERE "
                       "p.remains_id = ANY($1::bigint[]) AND p.delete_time IS NULL "
                       "ORDER BY t.photo_id")) {
      templates.push_back(ReadTemplate(row));
    }
  });
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<std::vector<StoredTemplate>> MatchStore::PersonTemplates(int64_t missing_person_id) {
  std::vector<StoredTemplate> templates;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row : SqlParams()
                               .Add(missing_person_id)
                               .Exec(tx, std::string(kGallerySelect) +
                                             "AND p.missing_person_id = $1 ORDER BY t.photo_id")) {
      templates.push_back(ReadTemplate(row));
    }
  });
  if (!status.ok()) return status;
  return templates;
}

absl::StatusOr<std::vector<DecisionRecord>> MatchStore::ListDecisionsByCurrent(
    Decision decision, int64_t after_decision_id, int limit) {
  std::vector<DecisionRecord> decisions;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         SqlParams()
             .Add(kDecisions[static_cast<int>(decision)])
             .Add(after_decision_id)
             .Add(limit)
             .Exec(tx,
                   "WITH latest AS (SELECT DISTINCT ON (remains_id, missing_person_id) id, "
                   "remains_id, missing_person_id, decision FROM match_decisions ORDER BY "
                   "remains_id, missing_person_id, id DESC), page AS (SELECT remains_id, "
                   "missing_person_id FROM latest WHERE decision = $1 AND id > $2 AND (decision "
                   "= 'identified' OR NOT EXISTS (SELECT 1 FROM identifications i WHERE "
                   "i.remains_id = latest.remains_id OR i.missing_person_id = "
                   "latest.missing_person_id)) ORDER BY id LIMIT $3) " +
                       std::string(kDecisionColumns) +
                       "WHERE (remains_id, missing_person_id) IN (SELECT remains_id, "
                       "missing_person_id FROM page) ORDER BY id")) {
      decisions.push_back(ReadDecision(row));
    }
  });
  if (!status.ok()) return status;
  return decisions;
}

absl::StatusOr<std::vector<int64_t>> MatchStore::PersonTemplatePhotoIds(int64_t missing_person_id) {
  std::vector<int64_t> ids;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    for (const auto& row :
         SqlParams()
             .Add(missing_person_id)
             .Exec(tx,
                   "SELECT t.photo_id FROM face_templates t JOIN photos p ON p.id = t.photo_id "
                   "WHERE p.missing_person_id = $1 ORDER BY t.photo_id")) {
      ids.push_back(row[0].as<int64_t>());
    }
  });
  if (!status.ok()) return status;
  return ids;
}

absl::Status MatchStore::AppendAudit(const audit::AuditEvent& event) {
  return AppendAuditEntry(*database_, event);
}

std::string GalleryWatermarkOf(const std::vector<int64_t>& photo_ids, size_t second_embeddings) {
  // Count, largest id and sum of ids, as the SQL below computes them (the sum in 128 bits, as
  // PostgreSQL's numeric sum cannot overflow).
  int64_t largest = 0;
  absl::uint128 sum = 0;
  for (int64_t id : photo_ids) {
    largest = std::max(largest, id);
    sum += static_cast<uint64_t>(id);
  }
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + absl::Uint128Low64(sum % 10)));
    sum /= 10;
  } while (sum != 0);
  return absl::StrCat(photo_ids.size(), ":", largest, ":", digits, ":", second_embeddings);
}

absl::StatusOr<std::vector<std::string>> MatchStore::SecondEmbeddingModels() {
  std::vector<std::string> models;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    models.clear();
    for (const auto& row : tx.exec("SELECT DISTINCT model_id FROM face_embeddings ORDER BY 1")) {
      models.push_back(row[0].as<std::string>());
    }
  });
  if (!status.ok()) return status;
  return models;
}

absl::StatusOr<std::string> MatchStore::GalleryWatermark() {
  std::string watermark;
  absl::Status status = database_->pool().Run([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    const pqxx::row row = tx.exec1(
        "SELECT count(*), coalesce(max(t.photo_id), 0), coalesce(sum(t.photo_id), 0), "
        "count(e.photo_id)" kTemplatesFrom
        "JOIN photos p ON p.id = t.photo_id JOIN missing_persons m ON "
        "m.id = p.missing_person_id WHERE p.delete_time IS NULL AND m.delete_time IS NULL");
    watermark = absl::StrCat(row[0].as<int64_t>(), ":", row[1].as<int64_t>(), ":",
                             row[2].as<std::string>(), ":", row[3].as<int64_t>());
  });
  if (!status.ok()) return status;
  return watermark;
}

}  // namespace encuentro::storage

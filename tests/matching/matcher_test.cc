// The matcher on real PostgreSQL with real templates from real photos: the planted true match
// ranks first, exclusions drop candidates, attributes alone still give candidates, the gallery
// follows commits (and never a rolled-back enrolment), and every search is audited.
#include "matching/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "biometrics/image_decoder.h"
#include "common/field_violations.h"
#include "matching/cross_matcher.h"
#include "matching/face_calibration.h"
#include "matching/state_follower.h"
#include "records/case_records.h"
#include "records/photos.h"
#include "storage/cross_match_queue.h"
#include "storage/database.h"
#include "storage/matching_changes.h"
#include "storage/migrations.h"
#include "tests/support/face_pipeline.h"
#include "tests/support/postgres_environment.h"

namespace encuentro::matching {
namespace {

using records::Date;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using testing::PostgresEnvironment;

std::string Bytes(const std::string& name) {
  std::ifstream in(std::string("/usr/share/doc/libdlib19.1/examples/faces/") + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const biometrics::FacePipeline& Pipeline() {
  return testing::SharedFacePipeline(ENCUENTRO_TEST_MODELS_DIR);
}

// Faces of bald_guys.jpg grouped by identity (4 men, 6 photos each), by greedy clustering at 0.6.
std::vector<std::vector<int>> BaldGuysIdentities() {
  const std::string bytes = Bytes("bald_guys.jpg");
  auto image =
      biometrics::DecodeImage({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  auto faces = Pipeline().Analyze(*image);
  std::vector<std::vector<int>> groups;
  for (int i = 0; i < static_cast<int>(faces->size()); ++i) {
    bool placed = false;
    for (auto& group : groups) {
      if (DescriptorDistance((*faces)[i].descriptor, (*faces)[group[0]].descriptor) < 0.6f) {
        group.push_back(i);
        placed = true;
        break;
      }
    }
    if (!placed) groups.push_back({i});
  }
  return groups;
}

template <typename T>
T QueryValue(pqxx::transaction_base& tx, const std::string& sql) {
  return tx.exec1(sql)[0].as<T>();
}

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = PostgresEnvironment::Get().CreateDatabase();
    ASSERT_TRUE(storage::ApplyMigrations(owner_, storage::BundledMigrations()).ok());
    auto database = storage::Database::Open(
        {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 4});
    ASSERT_TRUE(database.ok());
    database_ = *std::move(database);
    record_store_ = std::make_unique<storage::CaseRecordStore>(database_.get());
    photo_store_ = std::make_unique<storage::PhotoStore>(database_.get());
    match_store_ = std::make_unique<storage::MatchStore>(database_.get());
    records_ = std::make_unique<records::CaseRecords>(record_store_.get(), &scope_);
    photos_ = std::make_unique<records::PhotoLibrary>(photo_store_.get(), &scope_, &Pipeline(),
                                                      records::PhotoLibraryOptions{});
    auto templates = match_store_->LoadGalleryTemplates();
    ASSERT_TRUE(templates.ok());
    gallery_ = index::FaceGallery::Build({});
    pool_ = std::make_unique<CandidatePool>(gallery_.get());
    sync_ = std::make_unique<MatchingStateSync>(gallery_.get(), pool_.get(), match_store_.get());
    records_->set_observer(sync_.get());
    photos_->set_observer(sync_.get());
    auto calibration = FaceCalibration::LoadFile(ENCUENTRO_TEST_FACE_CALIBRATION);
    ASSERT_TRUE(calibration.ok()) << calibration.status();
    calibration_ = std::make_unique<FaceCalibration>(*std::move(calibration));
    matcher_ = std::make_unique<Matcher>(
        record_store_.get(), match_store_.get(), gallery_.get(), pool_.get(), records_.get(),
        [this](double d, int comparisons, bool explain) {
          return calibration_->FaceFactor(d, comparisons, "nearest", explain);
        });
  }

  int64_t Person(const std::string& name, records::Sex sex, int last_seen_year) {
    records::MissingPerson p;
    p.case_folio = "F-" + name;
    p.issuing_authority = "FGE";
    p.given_names = name;
    p.sex = sex;
    p.date_of_birth = Date{year(1970), month(1), day(1)};
    p.last_seen_date = Date{year(last_seen_year), month(1), day(1)};
    auto created = records_->CreateMissingPerson(caller_, p, {});
    EXPECT_TRUE(created.ok()) << created.status();
    return created->meta.id;
  }

  absl::StatusOr<records::Photo> AddFace(records::RecordKind kind, int64_t owner,
                                         const std::string& file, std::optional<int> face) {
    records::PhotoUpload upload;
    upload.owner_kind = kind;
    upload.owner_id = owner;
    upload.bytes = Bytes(file);
    upload.selection.index = face;
    return photos_->AddPhoto(caller_, upload);
  }

  int64_t Remains(int found_year) {
    records::UnidentifiedRemains r;
    r.case_folio = "PM-1";
    r.lab = "SEMEFO";
    r.found_date = Date{year(found_year), month(6), day(1)};
    r.biological_profile.sex = records::SexEstimate{records::Sex::kMale, 0.97, {"m", "a"}};
    r.biological_profile.sex->method = records::SexMethod::kSoftTissue;
    auto created = records_->CreateRemains(caller_, r, {});
    EXPECT_TRUE(created.ok()) << created.status();
    return created->meta.id;
  }

  SearchQuery Query(int64_t remains) {
    return {.remains_id = remains,
            .top_n = 10,
            .purpose = "identification",
            .legal_basis = "FGE-BC-CI-2024-0099"};
  }

  auth::Principal caller_{"ana", "cbp-bc", auth::Role::kCommissionStaff};
  std::string owner_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<storage::CaseRecordStore> record_store_;
  std::unique_ptr<storage::PhotoStore> photo_store_;
  std::unique_ptr<storage::MatchStore> match_store_;
  std::unique_ptr<records::CaseRecords> records_;
  std::unique_ptr<records::PhotoLibrary> photos_;
  std::unique_ptr<index::FaceGallery> gallery_;
  std::unique_ptr<CandidatePool> pool_;
  std::unique_ptr<MatchingStateSync> sync_;
  std::unique_ptr<FaceCalibration> calibration_;
  std::unique_ptr<Matcher> matcher_;
  const auth::CaseScope scope_{nullptr};  // no families' collectives linked
};

TEST_F(MatcherTest, PlantedTrueMatchRanksFirstWithItsEvidence) {
  const auto identities = BaldGuysIdentities();
  ASSERT_EQ(identities.size(), 4u);
  std::vector<int64_t> people;
  for (int i = 0; i < 4; ++i) {
    people.push_back(Person("Hombre" + std::to_string(i), records::Sex::kMale, 2015));
    ASSERT_TRUE(AddFace(records::RecordKind::kMissingPerson, people.back(), "bald_guys.jpg",
                        identities[i][0])
                    .ok());
  }
  const int64_t other = Person("Otro", records::Sex::kMale, 2015);
  ASSERT_TRUE(AddFace(records::RecordKind::kMissingPerson, other, "2008_002506.jpg", {}).ok());
  EXPECT_EQ(gallery_->size(), 5u);

  const int64_t remains = Remains(2020);
  // A post-mortem photo: another picture of the third man.
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, remains, "bald_guys.jpg", identities[2][3]).ok());
  absl::StatusOr<SearchResult> result = matcher_->SearchCandidates(caller_, Query(remains));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->remains_templates, 1);
  ASSERT_GE(result->candidates.size(), 5u);
  const RankedCandidate& top = result->candidates[0];
  EXPECT_EQ(top.person.meta.id, people[2]);
  ASSERT_EQ(top.evidence.factors[0].name, "face");
  EXPECT_GT(top.evidence.factors[0].log10_lr, 0);
  EXPECT_GT(top.evidence.log10_lr, result->candidates[1].evidence.log10_lr);
  EXPECT_GT(top.evidence.person_photo_id, 0);
  // Deterministic: the same search ranks the same way.
  auto again = matcher_->SearchCandidates(caller_, Query(remains));
  for (size_t i = 0; i < again->candidates.size(); ++i) {
    EXPECT_EQ(again->candidates[i].person.meta.id, result->candidates[i].person.meta.id);
  }
  // Audited with purpose, legal basis and what was returned.
  pqxx::connection conn(owner_);
  pqxx::read_transaction tx(conn);
  auto row = tx.exec1(
      "SELECT purpose, legal_basis, outcome::text FROM audit_log WHERE method = "
      "'MatchService/SearchCandidates' ORDER BY seq LIMIT 1");
  EXPECT_EQ(row[0].as<std::string>(), "identification");
  EXPECT_EQ(row[1].as<std::string>(), "FGE-BC-CI-2024-0099");
  EXPECT_NE(row[2].as<std::string>().find("missingPersons/" + std::to_string(people[2])),
            std::string::npos);
}

TEST_F(MatcherTest, ExclusionsDropCandidatesUnlessAsked) {
  const int64_t seen_late = Person("Visto2022", records::Sex::kMale, 2022);  // after found
  const int64_t woman = Person("Mujer", records::Sex::kFemale, 2015);        // confident sex
  const int64_t plausible = Person("Posible", records::Sex::kMale, 2015);
  const int64_t remains = Remains(2020);  // no photos: attributes alone
  auto result = matcher_->SearchCandidates(caller_, Query(remains));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->candidates.size(), 1u);
  EXPECT_EQ(result->candidates[0].person.meta.id, plausible);

  SearchQuery all = Query(remains);
  all.include_excluded = true;
  result = matcher_->SearchCandidates(caller_, all);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->candidates.size(), 3u);
  EXPECT_EQ(result->candidates[0].person.meta.id, plausible);  // excluded ones come last
  for (size_t i = 1; i < 3; ++i) {
    const RankedCandidate& c = result->candidates[i];
    EXPECT_TRUE(c.evidence.excluded);
    const std::string rule = c.person.meta.id == seen_late ? "dates" : "sex";
    EXPECT_TRUE(c.person.meta.id == seen_late || c.person.meta.id == woman);
    bool found = false;
    for (const Factor& f : c.evidence.factors) found = found || (f.name == rule && f.excludes);
    EXPECT_TRUE(found) << rule;
  }
}

TEST_F(MatcherTest, FacelessRemainsAreComparedWithEveryLivePerson) {
  // More people than any page or cap: the one who fits was enrolled last.
  for (int i = 0; i < 240; ++i)
    Person(std::string("P").append(std::to_string(i)), records::Sex::kMale, 2015);
  records::MissingPerson tall;
  tall.case_folio = "F-alto";
  tall.issuing_authority = "FGE";
  tall.given_names = "Alto";
  tall.sex = records::Sex::kMale;
  tall.date_of_birth = Date{year(1970), month(1), day(1)};
  tall.last_seen_date = Date{year(2015), month(1), day(1)};
  tall.reported_height = records::ReportedHeight{194, 1};
  auto created = records_->CreateMissingPerson(caller_, tall, {});
  ASSERT_TRUE(created.ok()) << created.status();

  records::UnidentifiedRemains r;
  r.case_folio = "PM-2";
  r.lab = "SEMEFO";
  r.found_date = Date{year(2020), month(6), day(1)};
  r.biological_profile.stature = records::StatureEstimate{185, 197, {"m", "a"}};
  r.biological_profile.stature->point_cm = 191;
  r.biological_profile.stature->standard_error_cm = 3;
  auto remains = records_->CreateRemains(caller_, r, {});
  ASSERT_TRUE(remains.ok()) << remains.status();
  auto result = matcher_->SearchCandidates(caller_, Query(remains->meta.id));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->candidates_scored, 241);
  ASSERT_EQ(result->candidates.size(), 10u);  // top_n limits only what is returned
  EXPECT_EQ(result->candidates[0].person.meta.id, created->meta.id);
  EXPECT_NEAR(result->prior_probability, 1.0 / 241, 1e-12);
  EXPECT_GT(result->candidates[0].posterior, result->candidates[1].posterior);
}

TEST_F(MatcherTest, PeopleNoLongerSoughtNeverAppear) {
  const auto identities = BaldGuysIdentities();
  records::MissingPerson p;
  p.case_folio = "F-vivo";
  p.issuing_authority = "FGE";
  p.given_names = "Encontrado";
  p.sex = records::Sex::kMale;
  p.last_seen_date = Date{year(2015), month(1), day(1)};
  p.status = records::MissingPersonStatus::kLocatedAlive;
  auto alive = records_->CreateMissingPerson(caller_, p, {});
  ASSERT_TRUE(alive.ok()) << alive.status();
  ASSERT_TRUE(AddFace(records::RecordKind::kMissingPerson, alive->meta.id, "bald_guys.jpg",
                      identities[1][0])
                  .ok());
  const int64_t sought = Person("Buscado", records::Sex::kMale, 2015);
  const int64_t remains = Remains(2020);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, remains, "bald_guys.jpg", identities[1][2]).ok());
  for (bool include_excluded : {false, true}) {
    SearchQuery query = Query(remains);
    query.include_excluded = include_excluded;
    auto result = matcher_->SearchCandidates(caller_, query);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->candidates.size(), 1u) << "the same face, but found alive";
    EXPECT_EQ(result->candidates[0].person.meta.id, sought);
  }
}

TEST_F(MatcherTest, APairScoresTheSameWhicheverSideIsSearched) {
  const auto identities = BaldGuysIdentities();
  const int64_t person = Person("Dos fotos", records::Sex::kMale, 2015);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kMissingPerson, person, "bald_guys.jpg", identities[3][0]).ok());
  ASSERT_TRUE(
      AddFace(records::RecordKind::kMissingPerson, person, "bald_guys.jpg", identities[3][1]).ok());
  const int64_t other = Person("Otro", records::Sex::kMale, 2015);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kMissingPerson, other, "bald_guys.jpg", identities[0][0]).ok());
  const int64_t remains = Remains(2020);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, remains, "bald_guys.jpg", identities[3][2]).ok());
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, remains, "bald_guys.jpg", identities[0][2]).ok());
  auto forward = matcher_->SearchCandidates(caller_, Query(remains));
  ASSERT_TRUE(forward.ok()) << forward.status();
  for (int64_t id : {person, other}) {
    auto who = records_->GetMissingPerson(caller_, id);
    ASSERT_TRUE(who.ok());
    auto reverse = matcher_->RankRemainsFor(*who, 10);
    ASSERT_TRUE(reverse.ok()) << reverse.status();
    ASSERT_EQ(reverse->size(), 1u);
    const PairEvidence& back = (*reverse)[0].evidence;
    const PairEvidence* ahead = nullptr;
    for (const auto& c : forward->candidates) {
      if (c.person.meta.id == id) ahead = &c.evidence;
    }
    ASSERT_NE(ahead, nullptr);
    EXPECT_EQ(ahead->log10_lr, back.log10_lr);
    EXPECT_EQ(ahead->face_distance, back.face_distance);
    ASSERT_EQ(ahead->factors.size(), back.factors.size());
    for (size_t i = 0; i < back.factors.size(); ++i) {
      EXPECT_EQ(ahead->factors[i].name, back.factors[i].name);
      EXPECT_EQ(ahead->factors[i].log10_lr, back.factors[i].log10_lr) << back.factors[i].name;
    }
    // Four comparisons (two photos against two templates): the face factor says so.
    EXPECT_NE(back.factors[0].reason.find("closest of"), std::string::npos)
        << back.factors[0].reason;
  }
}

TEST_F(MatcherTest, FaceCandidatesOutsideTheFilterAreShownExcludedOnlyWhenAsked) {
  const auto identities = BaldGuysIdentities();
  const int64_t seen_late = Person("Tarde", records::Sex::kMale, 2023);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kMissingPerson, seen_late, "bald_guys.jpg", identities[0][0])
          .ok());
  const int64_t remains = Remains(2020);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, remains, "bald_guys.jpg", identities[0][1]).ok());
  auto result = matcher_->SearchCandidates(caller_, Query(remains));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->candidates.empty());  // same face, but last seen after the remains were found
  SearchQuery all = Query(remains);
  all.include_excluded = true;
  result = matcher_->SearchCandidates(caller_, all);
  ASSERT_EQ(result->candidates.size(), 1u);
  EXPECT_TRUE(result->candidates[0].evidence.excluded);
}

// The ids of the templates `pool` holds for `person` (its copies of the gallery's).
std::vector<int64_t> PoolTemplateIds(const CandidatePool& pool, int64_t person) {
  std::vector<int64_t> ids;
  pool.Visit([&](std::span<const Candidate> candidates) {
    for (const Candidate& c : candidates) {
      if (c.profile.meta.id != person) continue;
      for (const index::GalleryTemplate& t : c.templates) ids.push_back(t.id);
    }
  });
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_F(MatcherTest, GalleryFollowsCommitsAndDeletions) {
  const int64_t person = Person("Borrado", records::Sex::kMale, 2015);
  // A trigger makes the template insert fail, so the whole enrolment rolls back.
  {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0(
        "CREATE FUNCTION fail_template() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
        "EXCEPTION 'disk on fire'; END $$; CREATE TRIGGER fail BEFORE INSERT ON face_templates "
        "FOR EACH ROW EXECUTE FUNCTION fail_template()");
    tx.commit();
  }
  EXPECT_FALSE(AddFace(records::RecordKind::kMissingPerson, person, "2008_002506.jpg", {}).ok());
  EXPECT_EQ(gallery_->size(), 0u);  // never findable
  {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    tx.exec0("DROP TRIGGER fail ON face_templates");
    tx.commit();
  }
  auto photo = AddFace(records::RecordKind::kMissingPerson, person, "2008_002506.jpg", {});
  ASSERT_TRUE(photo.ok());
  EXPECT_TRUE(gallery_->Contains(photo->id));
  // The candidate pool keeps its own copy of the person's templates, for the search's scan.
  auto second = AddFace(records::RecordKind::kMissingPerson, person, "2009_004587.jpg", {});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(PoolTemplateIds(*pool_, person), (std::vector<int64_t>{photo->id, second->id}));
  ASSERT_TRUE(
      photos_
          ->DeletePhoto(caller_, records::RecordKind::kMissingPerson, person, second->id, "blurred")
          .ok());
  EXPECT_FALSE(gallery_->Contains(second->id));
  EXPECT_EQ(PoolTemplateIds(*pool_, person), std::vector<int64_t>{photo->id});
  // The gallery built from the database equals the incrementally updated one.
  auto templates = match_store_->LoadGalleryTemplates();
  ASSERT_TRUE(templates.ok());
  std::vector<index::GalleryTemplate> entries;
  for (const auto& t : *templates) entries.push_back(ToGalleryTemplate(t));
  EXPECT_EQ(index::FaceGallery::Build(entries)->Ids(), gallery_->Ids());
  // The gallery's own stamp is the database's: what a shutdown compares before saving.
  EXPECT_EQ(storage::GalleryWatermarkOf(gallery_->Ids(), gallery_->second_embeddings()),
            *match_store_->GalleryWatermark());
  EXPECT_NE(storage::GalleryWatermarkOf({}, 0), *match_store_->GalleryWatermark());
  // The consistency check agrees, and notices a gallery that lost or gained a template.
  auto same = CompareGalleryWithDatabase(*gallery_, *match_store_);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->consistent());
  auto stale = index::FaceGallery::Build({});
  ASSERT_TRUE(stale->Add({photo->id + 1000, entries[0].descriptor}).ok());
  auto differences = CompareGalleryWithDatabase(*stale, *match_store_);
  ASSERT_TRUE(differences.ok());
  EXPECT_FALSE(differences->consistent());
  EXPECT_EQ(differences->missing, std::vector<int64_t>{photo->id});
  EXPECT_EQ(differences->unexpected, std::vector<int64_t>{photo->id + 1000});
  // Enrolment stored the second model's embedding; a gallery without it is noticed too.
  ASSERT_NE(entries[0].second_embedding, nullptr);
  auto without_second =
      index::FaceGallery::Build({{photo->id, entries[0].descriptor, entries[0].traits}});
  auto second_check = CompareGalleryWithDatabase(*without_second, *match_store_);
  ASSERT_TRUE(second_check.ok());
  EXPECT_TRUE(second_check->different.empty());
  EXPECT_EQ(second_check->second_different, std::vector<int64_t>{photo->id});

  ASSERT_TRUE(records_->DeleteMissingPerson(caller_, {person, "duplicate", std::nullopt}).ok());
  EXPECT_FALSE(gallery_->Contains(photo->id));
  EXPECT_TRUE(match_store_->LoadGalleryTemplates()->empty());
}

// A second replica on the same database: its gallery and candidate pool follow what this one
// commits, through PostgreSQL's announcements, within a second; and after a time of not
// listening (a lost connection) it catches up by comparing with the database.
TEST_F(MatcherTest, AnotherReplicaFollowsCommitsWithinASecond) {
  auto other_gallery = index::FaceGallery::Build({});
  CandidatePool other_pool(other_gallery.get());
  MatchingStateFollower follower(other_gallery.get(), &other_pool, match_store_.get(),
                                 std::make_unique<storage::MatchingChangeListener>(
                                     storage::DatabaseOptions{.connection_string = owner_}));
  follower.Start();
  const auto within = [](std::chrono::milliseconds limit, const std::function<bool()>& done) {
    const auto start = std::chrono::steady_clock::now();
    while (!done() && std::chrono::steady_clock::now() - start < limit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  };
  // The first connection catches up (nothing yet); give it a moment to be listening.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  const int64_t person = Person("Seguida", records::Sex::kFemale, 2019);
  auto photo = AddFace(records::RecordKind::kMissingPerson, person, "2008_002506.jpg", {});
  ASSERT_TRUE(photo.ok()) << photo.status();
  const auto committed = std::chrono::steady_clock::now();
  EXPECT_TRUE(
      within(std::chrono::milliseconds(1000), [&] { return other_gallery->Contains(photo->id); }));
  std::printf(
      "template visible on the other replica after %.0f ms\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - committed)
          .count());
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] {
    return PoolTemplateIds(other_pool, person) == std::vector<int64_t>{photo->id};
  }));

  ASSERT_TRUE(records_->DeleteMissingPerson(caller_, {person, "duplicate", std::nullopt}).ok());
  EXPECT_TRUE(within(std::chrono::milliseconds(1000), [&] {
    return !other_gallery->Contains(photo->id) && other_pool.size() == 0;
  }));

  // Not listening while a change commits: the restart's catch-up finds it.
  follower.Stop();
  Person("NoOida", records::Sex::kMale, 2020);
  MatchingStateFollower restarted(other_gallery.get(), &other_pool, match_store_.get(),
                                  std::make_unique<storage::MatchingChangeListener>(
                                      storage::DatabaseOptions{.connection_string = owner_}));
  restarted.Start();
  EXPECT_TRUE(within(std::chrono::milliseconds(2000), [&] { return other_pool.size() == 1; }));
  restarted.Stop();
}

// A quiet listener asks its connection whether it is alive; a live one answers and is kept: no
// reconnection and no catch-up (a whole comparison with the database) follow.
TEST_F(MatcherTest, AQuietListenerChecksItsConnectionAndKeepsIt) {
  storage::MatchingChangeListener listener({.connection_string = owner_}, std::chrono::seconds(0));
  ASSERT_TRUE(listener.Listen().ok());
  for (int wait = 0; wait < 3; ++wait) {
    absl::StatusOr<storage::MatchingChanges> changes = listener.Wait(std::chrono::milliseconds(10));
    ASSERT_TRUE(changes.ok()) << changes.status();
    EXPECT_FALSE(changes->catch_up);
  }
  const int64_t person = Person("Escuchada", records::Sex::kFemale, 2019);
  std::vector<int64_t> heard;
  for (int wait = 0; wait < 20 && heard.empty(); ++wait) {
    absl::StatusOr<storage::MatchingChanges> changes = listener.Wait(std::chrono::milliseconds(50));
    ASSERT_TRUE(changes.ok()) << changes.status();
    EXPECT_FALSE(changes->catch_up);
    heard = changes->people;
  }
  EXPECT_EQ(heard, std::vector<int64_t>{person});
}

TEST_F(MatcherTest, DecisionsKeepTheirHistoryAndShowInSearches) {
  const int64_t person = Person("Revisado", records::Sex::kMale, 2015);
  const int64_t remains = Remains(2020);
  EXPECT_EQ(
      matcher_->RecordDecision(caller_, remains, person, Decision::kPossible, " ").status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      matcher_->RecordDecision(caller_, remains, 424242, Decision::kPossible, "x").status().code(),
      absl::StatusCode::kNotFound);
  ASSERT_TRUE(matcher_
                  ->RecordDecision(caller_, remains, person, Decision::kPossible,
                                   "tattoo described by the family matches")
                  .ok());
  auto pair = matcher_->RecordDecision(caller_, remains, person, Decision::kSentForDna,
                                       "reference samples requested from the mother");
  ASSERT_TRUE(pair.ok()) << pair.status();
  ASSERT_EQ(pair->history.size(), 2u);
  EXPECT_EQ(pair->history[0].decision, Decision::kPossible);
  EXPECT_EQ(pair->history[1].decision, Decision::kSentForDna);
  EXPECT_EQ(pair->history[1].principal, "ana");

  auto result = matcher_->SearchCandidates(caller_, Query(remains));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->candidates.size(), 1u);
  ASSERT_TRUE(result->candidates[0].decision.has_value());
  EXPECT_EQ(result->candidates[0].decision->decision, Decision::kSentForDna);

  auto by_person = matcher_->ListCandidates(caller_, records::RecordKind::kMissingPerson, person);
  ASSERT_TRUE(by_person.ok());
  ASSERT_EQ(by_person->size(), 1u);
  EXPECT_EQ((*by_person)[0].remains_id, remains);
  // History is append-only for the application.
  pqxx::connection conn(owner_);
  pqxx::work tx(conn);
  tx.exec0("SET ROLE encuentro_app");
  EXPECT_THROW(tx.exec0("UPDATE match_decisions SET reason = 'x'"), pqxx::insufficient_privilege);
}

TEST_F(MatcherTest, SearchNeedsPurposeAndLegalBasis) {
  const int64_t remains = Remains(2020);
  SearchQuery query = Query(remains);
  query.purpose = "curiosity";
  query.legal_basis = " ";
  auto result = matcher_->SearchCandidates(caller_, query);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(result.status()).size(), 2u);
  // A legal basis of no-break and zero-width spaces is no legal basis.
  query = Query(remains);
  query.legal_basis = "\xc2\xa0\xe2\x80\x8b";
  EXPECT_EQ(matcher_->SearchCandidates(caller_, query).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(matcher_->SearchCandidates(caller_, Query(999999)).status().code(),
            absl::StatusCode::kNotFound);
}

class CrossMatchTest : public MatcherTest {
 protected:
  // The matcher's cross-matching side, over the same stores.
  CrossMatcher& Cross() {
    if (!queue_) {
      queue_ = std::make_unique<storage::CrossMatchQueue>(database_.get());
      cross_ = std::make_unique<CrossMatcher>(matcher_.get(), record_store_.get(), queue_.get());
    }
    return *cross_;
  }
  int RunQueue() {
    absl::StatusOr<int> runs = Cross().RunUntilIdle();
    EXPECT_TRUE(runs.ok()) << runs.status();
    return runs.value_or(-1);
  }
  std::optional<DecisionRecord> Current(int64_t remains, int64_t person) {
    auto pairs = matcher_->ListCandidates(caller_, records::RecordKind::kRemains, remains);
    EXPECT_TRUE(pairs.ok());
    for (const auto& pair : *pairs) {
      if (pair.missing_person_id == person) return pair.history.back();
    }
    return std::nullopt;
  }
  int64_t QueueLength() {
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    return QueryValue<int64_t>(tx, "SELECT count(*) FROM cross_match_jobs");
  }
  std::unique_ptr<storage::CrossMatchQueue> queue_;
  std::unique_ptr<CrossMatcher> cross_;
};

// In a registry of one person the prior is 1: the posterior of a pair with no evidence at all
// reaches any threshold, but a lead needs evidence for the pair.
TEST_F(CrossMatchTest, NoLeadWithoutEvidenceForThePair) {
  const int64_t person = Person("Solo", records::Sex::kUnknown, 2020);
  const int64_t remains = Remains(2021);
  // Nothing speaks for the pair, yet the prior alone puts it at the lead threshold.
  auto ranked = matcher_->SearchCandidates(caller_, Query(remains));
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  ASSERT_EQ(ranked->candidates.size(), 1u);
  ASSERT_LE(ranked->candidates[0].evidence.log10_lr, 0);
  ASSERT_GE(ranked->candidates[0].posterior, 0.5);
  EXPECT_EQ(RunQueue(), 2);
  EXPECT_FALSE(Current(remains, person).has_value());
}

TEST_F(CrossMatchTest, NewRecordsRaisePendingLeadsInBothDirections) {
  const auto identities = BaldGuysIdentities();
  ASSERT_EQ(identities.size(), 4u);
  // Remains with a post-mortem face, and nobody yet to match them against.
  const int64_t remains = Remains(2020);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, remains, "bald_guys.jpg", identities[2][3]).ok());
  EXPECT_EQ(QueueLength(), 2);  // created, face added: one run covers both
  EXPECT_EQ(RunQueue(), 1);
  EXPECT_EQ(QueueLength(), 0);
  EXPECT_FALSE(Current(remains, 0).has_value());

  // Then the families report four men; one of them is the man in the post-mortem photo. The
  // persons' runs (the reverse direction) find the remains.
  std::vector<int64_t> people;
  for (int i = 0; i < 4; ++i) {
    people.push_back(Person("Hombre" + std::to_string(i), records::Sex::kMale, 2015));
    ASSERT_TRUE(AddFace(records::RecordKind::kMissingPerson, people.back(), "bald_guys.jpg",
                        identities[i][0])
                    .ok());
  }
  EXPECT_EQ(RunQueue(), 4);
  const auto lead = Current(remains, people[2]);
  ASSERT_TRUE(lead.has_value());
  EXPECT_EQ(lead->decision, Decision::kPending);
  EXPECT_EQ(lead->principal, CrossMatchPrincipal().user);
  EXPECT_EQ(lead->reason.rfind("cross-match posterior ", 0), 0u) << lead->reason;
  EXPECT_NE(lead->reason.find("face +"), std::string::npos) << lead->reason;
  // The scores it was raised with, by which the review queue sorts.
  ASSERT_TRUE(lead->lead_posterior.has_value());
  EXPECT_GE(*lead->lead_posterior, 0.5);
  ASSERT_TRUE(lead->lead_log10_lr.has_value());
  EXPECT_GT(*lead->lead_log10_lr, 0);
  for (int i : {0, 1, 3}) EXPECT_FALSE(Current(remains, people[i]).has_value()) << i;
  auto pending = matcher_->ListPairsByDecision(caller_, Decision::kPending, 0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].missing_person_id, people[2]);
  {
    // Listing the leads is a read of case data, audited with the pairs it showed.
    pqxx::connection conn(owner_);
    pqxx::read_transaction tx(conn);
    EXPECT_EQ(QueryValue<int64_t>(
                  tx,
                  "SELECT count(*) FROM audit_log WHERE method = 'MatchService/ListCandidates' "
                  "AND 'missingPersons/" +
                      std::to_string(people[2]) + "' = ANY(targets)"),
              1);
  }

  // The forward direction finds the same pair: a second set of remains of the same man.
  const int64_t again = Remains(2021);
  ASSERT_TRUE(
      AddFace(records::RecordKind::kRemains, again, "bald_guys.jpg", identities[2][4]).ok());
  EXPECT_EQ(RunQueue(), 1);
  ASSERT_TRUE(Current(again, people[2]).has_value());
  EXPECT_EQ(Current(again, people[2])->decision, Decision::kPending);

  // A reviewer's word stands: later runs never put a decided pair back to pending.
  ASSERT_TRUE(
      matcher_
          ->RecordDecision(caller_, remains, people[2], Decision::kExcluded, "dental chart differs")
          .ok());
  ASSERT_TRUE(record_store_
                  ->UpdateMissingPerson(people[2], std::nullopt,
                                        [](records::MissingPerson& p) {
                                          p.aliases.push_back("El Güero");
                                          return absl::OkStatus();
                                        },
                                        {caller_, "test", {}, "", "", "{}"})
                  .ok());
  EXPECT_EQ(RunQueue(), 1);
  EXPECT_EQ(Current(remains, people[2])->decision, Decision::kExcluded);
  pending = matcher_->ListPairsByDecision(caller_, Decision::kPending, 0, 10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].remains_id, again);

  // Each run is audited as the system, with what it found.
  pqxx::connection conn(owner_);
  pqxx::read_transaction tx(conn);
  EXPECT_GE(QueryValue<int64_t>(
                tx,
                "SELECT count(*) FROM audit_log WHERE method = 'CrossMatch/MissingPerson' AND "
                "purpose = 'continuous_cross_match' AND 'remains/" +
                    std::to_string(remains) + "' = ANY(targets)"),
            1);
}

TEST_F(CrossMatchTest, ChangesOfOneRecordAreCoalescedAndDeletedRecordsSkipped) {
  const int64_t remains = Remains(2020);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(record_store_
                    ->UpdateRemains(remains, std::nullopt,
                                    [i](records::UnidentifiedRemains& r) {
                                      r.notes = "revision " + std::to_string(i);
                                      return absl::OkStatus();
                                    },
                                    {caller_, "test", {}, "", "", "{}"})
                    .ok());
  }
  EXPECT_EQ(QueueLength(), 4);
  EXPECT_EQ(RunQueue(), 1);
  EXPECT_EQ(QueueLength(), 0);

  const int64_t person = Person("Retirado", records::Sex::kMale, 2015);
  ASSERT_TRUE(records_->DeleteMissingPerson(caller_, {person, "duplicate", std::nullopt}).ok());
  EXPECT_EQ(RunQueue(), 1);
  pqxx::connection conn(owner_);
  pqxx::read_transaction tx(conn);
  EXPECT_EQ(QueryValue<std::string>(tx,
                                    "SELECT outcome->>'skipped' FROM audit_log WHERE method = "
                                    "'CrossMatch/MissingPerson' ORDER BY seq DESC LIMIT 1"),
            "record deleted");
}

TEST_F(CrossMatchTest, AJobHeldByAWorkerThatDiesIsTakenByTheNext) {
  const int64_t remains = Remains(2020);
  const int64_t person = Person("Tardio", records::Sex::kMale, 2015);
  (void)person;
  {
    // A worker claims the oldest job the way the queue does, then its process dies mid-run:
    // the connection closes without a commit.
    auto worker = std::make_unique<pqxx::connection>(owner_);
    auto tx = std::make_unique<pqxx::work>(*worker);
    auto claimed = tx->exec(
        "SELECT id FROM cross_match_jobs WHERE NOT failed ORDER BY id LIMIT 1 FOR UPDATE SKIP "
        "LOCKED");
    ASSERT_EQ(claimed.size(), 1u);
    // While it is held, other workers take the other job, not this one.
    storage::CrossMatchQueue queue(database_.get());
    std::vector<int64_t> taken;
    auto ran = queue.RunNext([&](const storage::CrossMatchJob& job) {
      taken.push_back(job.id);
      return absl::StatusOr<storage::CrossMatchOutcome>(storage::CrossMatchOutcome{});
    });
    ASSERT_TRUE(ran.ok());
    EXPECT_TRUE(*ran);
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_NE(taken[0], claimed[0][0].as<int64_t>());
    EXPECT_EQ(QueueLength(), 1);
    // Its connection is cut, as when the process is killed: no ROLLBACK is ever sent.
    pqxx::connection admin(owner_);
    pqxx::nontransaction cut(admin);
    const std::string pid = std::to_string(worker->backendpid());
    cut.exec("SELECT pg_terminate_backend(" + pid + ")");
    while (!cut.exec("SELECT 1 FROM pg_stat_activity WHERE pid = " + pid).empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // The dead worker's job is free again at once.
  EXPECT_EQ(RunQueue(), 1);
  EXPECT_EQ(QueueLength(), 0);
  (void)remains;
}

// Replicas each run their own workers over their own connection pool; the row lock on a claimed
// job is all that keeps them apart. Many workers in two "replicas" drain one queue: each job runs
// exactly once.
TEST_F(CrossMatchTest, WorkersOfSeveralReplicasNeverRunOneJobTwice) {
  for (int i = 0; i < 30; ++i) {
    if (i % 2 == 0) {
      Remains(1990 + i);
    } else {
      Person("Replica" + std::to_string(i), records::Sex::kFemale, 1990 + i);
    }
  }
  const int64_t jobs = QueueLength();
  ASSERT_EQ(jobs, 30);
  auto second = storage::Database::Open(
      {.connection_string = owner_, .assume_role = "encuentro_app", .pool_size = 4});
  ASSERT_TRUE(second.ok()) << second.status();
  std::vector<std::unique_ptr<storage::CrossMatchQueue>> replicas;
  replicas.push_back(std::make_unique<storage::CrossMatchQueue>(database_.get()));
  replicas.push_back(std::make_unique<storage::CrossMatchQueue>(second->get()));
  std::mutex mu;
  std::map<int64_t, int> runs;  // job id -> times run; guarded by mu
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      storage::CrossMatchQueue& queue = *replicas[w % replicas.size()];
      for (;;) {
        absl::StatusOr<bool> ran = queue.RunNext([&](const storage::CrossMatchJob& job) {
          {
            std::lock_guard<std::mutex> lock(mu);
            ++runs[job.id];
          }
          // Long enough that the other workers look for work while this one holds its job.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return absl::StatusOr<storage::CrossMatchOutcome>(storage::CrossMatchOutcome{});
        });
        ASSERT_TRUE(ran.ok()) << ran.status();
        if (!*ran) return;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  EXPECT_EQ(static_cast<int64_t>(runs.size()), jobs);
  for (const auto& [id, times] : runs) EXPECT_EQ(times, 1) << "job " << id;
  EXPECT_EQ(QueueLength(), 0);
}

TEST_F(CrossMatchTest, FailedRunsAreRetriedWithBackoffThenMarkedFailed) {
  Remains(2020);
  storage::CrossMatchQueue queue(database_.get(), /*max_attempts=*/2);
  const auto fail =
      [](const storage::CrossMatchJob&) -> absl::StatusOr<storage::CrossMatchOutcome> {
    return absl::UnavailableError("gallery busy");
  };
  auto ran = queue.RunNext(fail);
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(*ran);
  // Not due again before its backoff: the queue looks empty to workers, but the job is kept.
  EXPECT_FALSE(*queue.RunNext(fail));
  EXPECT_EQ(queue.Stats()->queued, 1);
  {
    pqxx::connection conn(owner_);
    pqxx::work tx(conn);
    auto row = tx.exec1("SELECT attempts, last_error FROM cross_match_jobs");
    EXPECT_EQ(row[0].as<int>(), 1);
    EXPECT_EQ(row[1].as<std::string>(), "gallery busy");
    tx.exec0("UPDATE cross_match_jobs SET not_before = now()");
    tx.commit();
  }
  EXPECT_TRUE(*queue.RunNext(fail));
  EXPECT_EQ(queue.Stats()->queued, 0);
  EXPECT_EQ(queue.Stats()->failed, 1);
  EXPECT_FALSE(*queue.RunNext(fail));
}

}  // namespace
}  // namespace encuentro::matching

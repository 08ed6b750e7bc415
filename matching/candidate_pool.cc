#include "matching/candidate_pool.h"

#include <algorithm>
#include <mutex>

namespace encuentro::matching {
namespace {

// As the live_missing_persons view (migration 0012) says.
bool Live(const records::MissingPerson& person) {
  return !person.meta.delete_time && !person.identification &&
         (person.status == records::MissingPersonStatus::kMissing ||
          person.status == records::MissingPersonStatus::kLocatedDeceased);
}

}  // namespace

records::MissingPerson MatchProfileOf(const records::MissingPerson& person) {
  records::MissingPerson profile;
  profile.meta.id = person.meta.id;
  profile.meta.organization = person.meta.organization;
  profile.meta.delete_time = person.meta.delete_time;
  profile.status = person.status;
  profile.sex = person.sex;
  profile.date_of_birth = person.date_of_birth;
  profile.date_of_birth_precision = person.date_of_birth_precision;
  profile.last_seen_precision = person.last_seen_precision;
  profile.age_at_disappearance = person.age_at_disappearance;
  profile.last_seen_date = person.last_seen_date;
  profile.last_seen_place.location = person.last_seen_place.location;
  profile.reported_height = person.reported_height;
  // What the marks factor compares; descriptions are for people, not for scoring.
  for (const records::DistinguishingMark& mark : person.distinguishing_marks) {
    records::DistinguishingMark& kept = profile.distinguishing_marks.emplace_back();
    kept.kind = mark.kind;
    kept.region = mark.region;
    kept.side = mark.side;
    kept.keywords = mark.keywords;
  }
  for (const records::PersonalEffect& effect : person.effects) {
    records::PersonalEffect& kept = profile.effects.emplace_back();
    kept.category = effect.category;
    kept.description = effect.description;
    kept.colour = effect.colour;
    kept.brand = effect.brand;
    kept.keywords = effect.keywords;
  }
  if (person.dental_chart) {
    profile.dental_chart.emplace();
    profile.dental_chart->teeth = person.dental_chart->teeth;
  }
  return profile;
}

absl::StatusOr<std::unique_ptr<CandidatePool>> CandidatePool::Load(
    storage::MatchStore& store, const index::FaceGallery* gallery) {
  absl::StatusOr<std::vector<records::MissingPerson>> profiles = store.LoadCandidateProfiles();
  if (!profiles.ok()) return profiles.status();
  auto pool = std::make_unique<CandidatePool>(gallery);
  pool->ReplaceAll(*std::move(profiles));
  return pool;
}

std::vector<index::GalleryTemplate> CandidatePool::CopyTemplates(
    const index::FaceGallery::Reader& reader, int64_t owner) {
  std::vector<index::TemplateView> views;
  reader.TemplatesOf(owner, &views);
  std::vector<index::GalleryTemplate> templates;
  templates.reserve(views.size());
  for (const index::TemplateView& view : views) {
    index::GalleryTemplate& t = templates.emplace_back();
    t.id = view.id;
    std::copy(view.descriptor, view.descriptor + kDescriptorSize, t.descriptor.begin());
    t.traits = view.traits;
    if (view.second_embedding != nullptr) {
      auto second = std::make_shared<SecondFaceEmbedding>();
      std::copy(view.second_embedding, view.second_embedding + kSecondEmbeddingSize,
                second->begin());
      t.second_embedding = std::move(second);
    }
  }
  return templates;
}

void CandidatePool::Update(const records::MissingPerson& person) {
  if (!Live(person)) {
    Remove(person.meta.id);
    return;
  }
  std::unique_lock lock(mu_);
  Candidate candidate{MatchProfileOf(person),
                      CopyTemplates(index::FaceGallery::Reader(*gallery_), person.meta.id)};
  const auto found = index_.find(person.meta.id);
  if (found != index_.end()) {
    people_[found->second] = std::move(candidate);
    return;
  }
  index_[person.meta.id] = people_.size();
  people_.push_back(std::move(candidate));
}

void CandidatePool::TemplatesChanged(int64_t owner) {
  std::unique_lock lock(mu_);
  const auto found = index_.find(owner);
  if (found != index_.end()) {
    people_[found->second].templates = CopyTemplates(index::FaceGallery::Reader(*gallery_), owner);
  }
}

void CandidatePool::ReplaceAll(std::vector<records::MissingPerson> profiles) {
  // Copied under the pool's lock, like every copy, so searches wait meanwhile: this runs at
  // start-up and when a replica catches up after missed changes.
  std::unique_lock lock(mu_);
  const index::FaceGallery::Reader reader(*gallery_);
  std::vector<Candidate> people;
  people.reserve(profiles.size());
  std::unordered_map<int64_t, size_t> index;
  for (records::MissingPerson& profile : profiles) {
    index[profile.meta.id] = people.size();
    std::vector<index::GalleryTemplate> templates = CopyTemplates(reader, profile.meta.id);
    people.push_back({std::move(profile), std::move(templates)});
  }
  people_ = std::move(people);
  index_ = std::move(index);
}

void CandidatePool::Remove(int64_t id) {
  std::unique_lock lock(mu_);
  const auto found = index_.find(id);
  if (found == index_.end()) return;
  // The last person takes the removed one's slot.
  const size_t slot = found->second;
  index_.erase(found);
  if (slot + 1 != people_.size()) {
    people_[slot] = std::move(people_.back());
    index_[people_[slot].profile.meta.id] = slot;
  }
  people_.pop_back();
}

std::vector<index::GalleryTemplate> CandidatePool::TemplatesOf(int64_t id) const {
  std::shared_lock lock(mu_);
  const auto found = index_.find(id);
  return found == index_.end() ? std::vector<index::GalleryTemplate>{}
                               : people_[found->second].templates;
}

size_t CandidatePool::size() const {
  std::shared_lock lock(mu_);
  return people_.size();
}

void CandidatePool::Visit(const std::function<void(std::span<const Candidate>)>& visit) const {
  std::shared_lock lock(mu_);
  visit(people_);
}

}  // namespace encuentro::matching

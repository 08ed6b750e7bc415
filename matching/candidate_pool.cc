#include "matching/candidate_pool.h"

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

absl::StatusOr<std::unique_ptr<CandidatePool>> CandidatePool::Load(storage::MatchStore& store) {
  absl::StatusOr<std::vector<records::MissingPerson>> profiles = store.LoadCandidateProfiles();
  if (!profiles.ok()) return profiles.status();
  auto pool = std::make_unique<CandidatePool>();
  pool->people_ = *std::move(profiles);
  for (size_t i = 0; i < pool->people_.size(); ++i) pool->index_[pool->people_[i].meta.id] = i;
  return pool;
}

void CandidatePool::Update(const records::MissingPerson& person) {
  if (!Live(person)) {
    Remove(person.meta.id);
    return;
  }
  std::unique_lock lock(mu_);
  const auto found = index_.find(person.meta.id);
  if (found != index_.end()) {
    people_[found->second] = MatchProfileOf(person);
    return;
  }
  index_[person.meta.id] = people_.size();
  people_.push_back(MatchProfileOf(person));
}

void CandidatePool::ReplaceAll(std::vector<records::MissingPerson> profiles) {
  std::unordered_map<int64_t, size_t> index;
  for (size_t i = 0; i < profiles.size(); ++i) index[profiles[i].meta.id] = i;
  std::unique_lock lock(mu_);
  people_ = std::move(profiles);
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
    index_[people_[slot].meta.id] = slot;
  }
  people_.pop_back();
}

size_t CandidatePool::size() const {
  std::shared_lock lock(mu_);
  return people_.size();
}

void CandidatePool::ForEachPart(
    size_t part, size_t parts,
    const std::function<void(const records::MissingPerson&)>& visit) const {
  std::shared_lock lock(mu_);
  const size_t begin = people_.size() * part / parts;
  const size_t end = people_.size() * (part + 1) / parts;
  for (size_t i = begin; i < end; ++i) visit(people_[i]);
}

}  // namespace encuentro::matching

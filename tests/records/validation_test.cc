#include "records/validation.h"

#include <gtest/gtest.h>

namespace encuentro::records {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

const Date kToday{year(2026), month(11), day(25)};

MissingPerson ValidPerson() {
  MissingPerson p;
  p.case_folio = "FGE-1";
  p.issuing_authority = "FGE BC";
  p.given_names = "Juan";
  p.date_of_birth = Date{year(1990), month(5), day(1)};
  p.last_seen_date = Date{year(2020), month(6), day(1)};
  p.reported_height = ReportedHeight{170, 5};
  return p;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const auto& v : violations) fields.push_back(v.field);
  return fields;
}

TEST(ValidateMissingPerson, ValidRecordPasses) {
  EXPECT_TRUE(ValidateMissingPerson(ValidPerson(), kToday).empty());
}

TEST(ValidateMissingPerson, InvalidUtf8IsNamedPerField) {
  MissingPerson p = ValidPerson();
  p.family_names = std::string("L\xC3\x28pez", 6);
  p.aliases = {"ok", std::string("\xED\xA0\x80", 3)};  // a UTF-16 surrogate
  EXPECT_EQ(Fields(ValidateMissingPerson(p, kToday)),
            (std::vector<std::string>{"family_names", "aliases[1]"}));
}

TEST(ValidateMissingPerson, DatesAndRanges) {
  MissingPerson p = ValidPerson();
  p.last_seen_date = Date{year(2027), month(1), day(1)};
  p.reported_height->cm = 300;
  EXPECT_EQ(Fields(ValidateMissingPerson(p, kToday)),
            (std::vector<std::string>{"last_seen_date", "reported_height.cm"}));

  p = ValidPerson();
  p.date_of_birth = Date{year(2021), month(1), day(1)};
  EXPECT_EQ(Fields(ValidateMissingPerson(p, kToday)), std::vector<std::string>{"date_of_birth"});

  p = ValidPerson();
  p.date_of_birth = Date{year(2021), month(2), day(30)};
  EXPECT_EQ(ValidateMissingPerson(p, kToday).at(0).description, "is not a valid calendar date");
}

TEST(ValidateMissingPerson, AgeMustAgreeWithDates) {
  MissingPerson p = ValidPerson();  // 30 years old when last seen
  p.age_at_disappearance = AgeAtDisappearance{30, 0};
  EXPECT_TRUE(ValidateMissingPerson(p, kToday).empty());
  p.age_at_disappearance = AgeAtDisappearance{45, 2};
  EXPECT_EQ(Fields(ValidateMissingPerson(p, kToday)),
            std::vector<std::string>{"age_at_disappearance.years"});
}

TEST(ValidateRemains, RangesMustNotBeInverted) {
  UnidentifiedRemains r;
  r.case_folio = "S-1";
  r.lab = "SEMEFO";
  r.biological_profile.age = AgeEstimate{40, 30, {"m", "a"}};
  r.biological_profile.sex = SexEstimate{Sex::kMale, -0.1, {"", "a"}};
  EXPECT_EQ(Fields(ValidateRemains(r, kToday)),
            (std::vector<std::string>{"biological_profile.sex.probability",
                                      "biological_profile.sex.assessment.method",
                                      "biological_profile.age.age_at_death"}));
}

}  // namespace
}  // namespace encuentro::records

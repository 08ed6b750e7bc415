#include "matching/face_calibration.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace encuentro::matching {
namespace {

constexpr char kFormat[] = "encuentro-face-calibration-v1";
constexpr char kMethod[] = "gaussian-kde-silverman+pav";
constexpr char kBandwidthRule[] = "silverman: 0.9 * min(sd, IQR / 1.34) * n^(-1/5)";
constexpr double kPi = 3.14159265358979323846;
// A grid this fine is already far below the distances' measurement noise.
constexpr std::size_t kMaxGridPoints = 100000;

absl::Status Invalid(const std::string& what) {
  return absl::InvalidArgumentError("face calibration: " + what);
}

// Linear-interpolation quantile (type 7) of a sorted sample.
double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

struct Sample {
  std::vector<double> sorted;
  double bandwidth = 0;
};

absl::StatusOr<Sample> Prepare(const std::vector<double>& distances, const char* name,
                               std::size_t min_samples, std::size_t* excluded) {
  Sample s;
  for (double d : distances) {
    if (std::isfinite(d)) {
      s.sorted.push_back(d);
    } else {
      ++*excluded;
    }
  }
  if (s.sorted.size() < std::max<std::size_t>(min_samples, 2)) {
    return Invalid(absl::StrFormat("%zu finite %s distances; at least %zu are needed",
                                   s.sorted.size(), name, std::max<std::size_t>(min_samples, 2)));
  }
  std::sort(s.sorted.begin(), s.sorted.end());
  const double n = static_cast<double>(s.sorted.size());
  double mean = 0;
  for (double d : s.sorted) mean += d;
  mean /= n;
  double squares = 0;
  for (double d : s.sorted) squares += (d - mean) * (d - mean);
  const double sd = std::sqrt(squares / (n - 1));
  const double iqr = Quantile(s.sorted, 0.75) - Quantile(s.sorted, 0.25);
  // Silverman's robust spread; a sample with most values tied has IQR 0, then sd alone.
  const double spread = iqr > 0 ? std::min(sd, iqr / 1.34) : sd;
  if (s.sorted.front() == s.sorted.back() || !(spread > 0)) {
    return Invalid(absl::StrFormat("the %s distances have no spread", name));
  }
  s.bandwidth = 0.9 * spread * std::pow(n, -0.2);
  return s;
}

// log of the Gaussian kernel density estimate at x, by log-sum-exp so that far tails stay finite.
double LogDensity(const Sample& s, double x) {
  double best = -std::numeric_limits<double>::infinity();
  std::vector<double> exponents;
  exponents.reserve(s.sorted.size());
  for (double d : s.sorted) {
    const double z = (x - d) / s.bandwidth;
    exponents.push_back(-0.5 * z * z);
    best = std::max(best, exponents.back());
  }
  double sum = 0;
  for (double e : exponents) sum += std::exp(e - best);
  return best + std::log(sum) -
         std::log(static_cast<double>(s.sorted.size()) * s.bandwidth * std::sqrt(2 * kPi));
}

// Weighted pool adjacent violators: the non-increasing sequence closest to `values` in
// weighted least squares. Weights are the amount of data behind each point, so that thinly
// supported points yield to well supported ones.
void MakeNonIncreasing(std::vector<double>* values, const std::vector<double>& weights) {
  struct Block {
    double mean;
    double weight;
    std::size_t count;
  };
  std::vector<Block> blocks;
  for (std::size_t k = 0; k < values->size(); ++k) {
    blocks.push_back({(*values)[k], weights[k], 1});
    while (blocks.size() > 1 && blocks[blocks.size() - 2].mean < blocks.back().mean) {
      const Block last = blocks.back();
      blocks.pop_back();
      Block& previous = blocks.back();
      const double total = previous.weight + last.weight;
      previous.mean = (previous.mean * previous.weight + last.mean * last.weight) / total;
      previous.weight = total;
      previous.count += last.count;
    }
  }
  std::size_t i = 0;
  for (const Block& block : blocks) {
    for (std::size_t k = 0; k < block.count; ++k) (*values)[i++] = block.mean;
  }
}

std::string Today() {
  const std::chrono::year_month_day day{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  return absl::StrFormat("%04d-%02u-%02u", static_cast<int>(day.year()),
                         static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

// Nine significant digits: far below any meaningful difference, and printing a parsed value
// again gives the same text, so files survive a load/save unchanged.
std::string Number(double value) { return absl::StrFormat("%.9g", value); }

// Reads `json[key]` (path `where.key`) as T, with an error naming the field.
template <typename T>
absl::StatusOr<T> Field(const nlohmann::json& json, const std::string& where,
                        const std::string& key) {
  const std::string path = where.empty() ? key : where + "." + key;
  if (!json.is_object() || !json.contains(key)) return Invalid("missing field `" + path + "`");
  const nlohmann::json& value = json.at(key);
  if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string()) return Invalid("field `" + path + "` must be a string");
    return value.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) return Invalid("field `" + path + "` must be true or false");
    return value.get<bool>();
  } else if constexpr (std::is_same_v<T, std::size_t>) {
    if (!value.is_number_unsigned()) {
      return Invalid("field `" + path + "` must be a non-negative integer");
    }
    return value.get<std::size_t>();
  } else {
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      return Invalid("field `" + path + "` must be a finite number");
    }
    return value.get<double>();
  }
}

#define ENCUENTRO_ASSIGN_OR_RETURN(lhs, expr)   \
  do {                                          \
    auto result_ = (expr);                      \
    if (!result_.ok()) return result_.status(); \
    lhs = *std::move(result_);                  \
  } while (false)

}  // namespace

absl::StatusOr<FaceCalibration> FaceCalibration::Fit(const std::vector<double>& genuine,
                                                     const std::vector<double>& impostor,
                                                     const CalibrationOptions& options) {
  if (options.model_id.empty()) return Invalid("the face model id is required");
  if (!options.second_model_id.empty() && !(options.second_model_weight > 0)) {
    return Invalid("a calibration of two models needs a positive second_model_weight");
  }
  if (!(options.grid_step > 0) || !(options.grid_max > options.grid_min) ||
      (options.grid_max - options.grid_min) / options.grid_step >
          static_cast<double>(kMaxGridPoints)) {
    return Invalid(absl::StrFormat("bad grid %g..%g step %g", options.grid_min, options.grid_max,
                                   options.grid_step));
  }
  if (!(options.max_abs_log10_lr > 0)) return Invalid("max_abs_log10_lr must be positive");
  if (!(options.match_log10_lr > options.no_match_log10_lr)) {
    return Invalid("match_log10_lr must exceed no_match_log10_lr");
  }

  FaceCalibration c;
  absl::StatusOr<Sample> g = Prepare(genuine, "genuine", options.min_samples, &c.excluded_count_);
  if (!g.ok()) return g.status();
  absl::StatusOr<Sample> i = Prepare(impostor, "impostor", options.min_samples, &c.excluded_count_);
  if (!i.ok()) return i.status();

  if (Quantile(g->sorted, 0.5) >= Quantile(i->sorted, 0.5)) {
    return Invalid(absl::StrFormat(
        "genuine distances (median %.3f) are not smaller than impostor distances (median %.3f): "
        "are the labels swapped?",
        Quantile(g->sorted, 0.5), Quantile(i->sorted, 0.5)));
  }
  c.model_id_ = options.model_id;
  c.second_model_id_ = options.second_model_id;
  c.second_model_weight_ = options.second_model_id.empty() ? 0 : options.second_model_weight;
  c.pairs_file_ = options.pairs_file;
  c.description_ = options.description;
  c.pipeline_ = options.pipeline;
  c.date_ = options.date.empty() ? Today() : options.date;
  c.genuine_count_ = g->sorted.size();
  c.impostor_count_ = i->sorted.size();
  c.genuine_bandwidth_ = g->bandwidth;
  c.impostor_bandwidth_ = i->bandwidth;
  c.bound_by_sample_size_ = options.bound_by_sample_size;
  c.max_abs_ = options.max_abs_log10_lr;
  c.upper_ = c.max_abs_;
  c.lower_ = -c.max_abs_;
  if (options.bound_by_sample_size) {
    c.upper_ = std::min(c.upper_, std::log10(static_cast<double>(c.impostor_count_)));
    c.lower_ = std::max(c.lower_, -std::log10(static_cast<double>(c.genuine_count_)));
  }
  c.match_log10_lr_ = options.match_log10_lr;
  c.no_match_log10_lr_ = options.no_match_log10_lr;

  // The distances the data cover: the pooled range, widened by the bandwidths. Beyond it both
  // densities would be kernel tails only.
  c.supported_min_ = std::min(g->sorted.front() - g->bandwidth, i->sorted.front() - i->bandwidth);
  c.supported_max_ = std::max(g->sorted.back() + g->bandwidth, i->sorted.back() + i->bandwidth);
  // A grid that ends inside the data would hold its last value over the rest: distances the
  // data cover, scored as if they were the grid's end. (Below, the bandwidth may reach under
  // zero, where no distance lies.)
  if (c.supported_max_ < options.grid_min || c.supported_min_ > options.grid_max ||
      c.supported_max_ > options.grid_max) {
    return Invalid(absl::StrFormat("the distances (%.3f..%.3f) reach beyond the grid %g..%g",
                                   c.supported_min_, c.supported_max_, options.grid_min,
                                   options.grid_max));
  }
  // One pseudo-observation per sample, spread evenly over the supported range: where a sample
  // has no data its density is unknown, not zero; the data only say "below about one in n".
  const double uniform = 1 / (c.supported_max_ - c.supported_min_);

  const auto points = static_cast<std::size_t>(
                          std::llround((options.grid_max - options.grid_min) / options.grid_step)) +
                      1;
  std::vector<double> values(points);
  std::vector<double> weights(points);
  std::size_t first = points;  // First and last supported grid points.
  std::size_t last = 0;
  const auto n_g = static_cast<double>(c.genuine_count_);
  const auto n_i = static_cast<double>(c.impostor_count_);
  for (std::size_t k = 0; k < points; ++k) {
    CalibrationPoint p;
    p.distance = std::stod(Number(options.grid_min + static_cast<double>(k) * options.grid_step));
    const double kde_g = std::exp(LogDensity(*g, p.distance));
    const double kde_i = std::exp(LogDensity(*i, p.distance));
    p.genuine_density = (n_g * kde_g + uniform) / (n_g + 1);
    p.impostor_density = (n_i * kde_i + uniform) / (n_i + 1);
    p.raw_log10_lr = std::log10(p.genuine_density / p.impostor_density);
    values[k] = std::clamp(p.raw_log10_lr, c.lower_, c.upper_);
    weights[k] = n_g * kde_g + n_i * kde_i + 2 * uniform;
    if (p.distance >= c.supported_min_ && p.distance <= c.supported_max_) {
      first = std::min(first, k);
      last = std::max(last, k);
    }
    c.table_.push_back(p);
  }
  if (first > last) {  // The data fall between two grid points: use the nearer one.
    const double middle = (c.supported_min_ + c.supported_max_) / 2;
    first = last = static_cast<std::size_t>(
        std::clamp<double>(std::llround((middle - options.grid_min) / options.grid_step), 0,
                           static_cast<double>(points - 1)));
  }
  for (std::size_t k = 0; k < first; ++k) values[k] = values[first];
  for (std::size_t k = last + 1; k < points; ++k) values[k] = values[last];
  // Closer than where the ratio peaks, the genuine sample thins out too and the ratio falls
  // back, an edge effect of the estimate: a smaller distance is never weaker evidence of the
  // same person, so hold the peak there (and the trough beyond the lowest point).
  const auto peak =
      static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
  const auto trough = static_cast<std::size_t>(
      std::min_element(values.begin() + static_cast<std::ptrdiff_t>(peak), values.end()) -
      values.begin());
  for (std::size_t k = 0; k < peak; ++k) values[k] = values[peak];
  for (std::size_t k = trough + 1; k < points; ++k) values[k] = values[trough];
  MakeNonIncreasing(&values, weights);
  for (std::size_t k = 0; k < points; ++k) {
    // Rounded as the file stores it, so a fitted and a loaded calibration agree exactly.
    c.table_[k].log10_lr = std::stod(Number(values[k]));
  }
  c.upper_ = std::stod(Number(c.upper_));
  c.lower_ = std::stod(Number(c.lower_));
  for (CalibrationPoint& p : c.table_) p.log10_lr = std::clamp(p.log10_lr, c.lower_, c.upper_);
  c.Finish();
  return c;
}

std::string FaceCalibration::ToJson() const {
  nlohmann::ordered_json pipeline = nlohmann::ordered_json::object();
  for (const auto& [key, value] : pipeline_) pipeline[key] = value;
  nlohmann::ordered_json head = {
      {"format", kFormat},
      {"model_id", model_id_},
      {"date", date_},
      {"source",
       {{"pairs_file", pairs_file_},
        {"description", description_},
        {"genuine_pairs", genuine_count_},
        {"impostor_pairs", impostor_count_},
        {"excluded_pairs", excluded_count_},
        {"pipeline", pipeline}}},
      {"estimator",
       {{"method", kMethod},
        {"bandwidth_rule", kBandwidthRule},
        {"pseudo_observations", "one per sample, uniform over the supported range"},
        {"genuine_bandwidth", std::stod(Number(genuine_bandwidth_))},
        {"impostor_bandwidth", std::stod(Number(impostor_bandwidth_))},
        {"supported_min", std::stod(Number(supported_min_))},
        {"supported_max", std::stod(Number(supported_max_))},
        {"bound_by_sample_size", bound_by_sample_size_}}},
      {"max_abs_log10_lr", max_abs_},
      {"lower_log10_lr", lower_},
      {"upper_log10_lr", upper_},
      {"light", {{"match_log10_lr", match_log10_lr_}, {"no_match_log10_lr", no_match_log10_lr_}}},
      {"table_columns",
       {"distance", "log10_lr", "raw_log10_lr", "genuine_density", "impostor_density"}}};
  if (!second_model_id_.empty()) {
    // Right after model_id, so that a reader sees at once that the distances are fused ones.
    nlohmann::ordered_json with_second;
    for (const auto& [key, value] : head.items()) {
      with_second[key] = value;
      if (key == "model_id") {
        with_second["second_model_id"] = second_model_id_;
        with_second["second_model_weight"] = second_model_weight_;
      }
    }
    head = std::move(with_second);
  }
  std::string out = head.dump(2);
  // One table row per line, so that the file reads (and diffs) as a table.
  out.resize(out.size() - 2);  // Drops the closing "\n}".
  out += ",\n  \"table\": [\n";
  for (std::size_t k = 0; k < table_.size(); ++k) {
    const CalibrationPoint& p = table_[k];
    out += "    [" + Number(p.distance) + ", " + Number(p.log10_lr) + ", " +
           Number(p.raw_log10_lr) + ", " + Number(p.genuine_density) + ", " +
           Number(p.impostor_density) + "]" + (k + 1 < table_.size() ? ",\n" : "\n");
  }
  out += "  ]\n}\n";
  return out;
}

absl::StatusOr<FaceCalibration> FaceCalibration::FromJson(const std::string& text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Invalid(std::string("not valid JSON: ") + e.what());
  }
  if (!json.is_object()) return Invalid("expected a JSON object");
  FaceCalibration c;
  std::string format;
  ENCUENTRO_ASSIGN_OR_RETURN(format, Field<std::string>(json, "", "format"));
  if (format != kFormat) {
    return Invalid("field `format` is \"" + format + "\"; expected \"" + kFormat + "\"");
  }
  ENCUENTRO_ASSIGN_OR_RETURN(c.model_id_, Field<std::string>(json, "", "model_id"));
  if (c.model_id_.empty()) return Invalid("field `model_id` is empty");
  if (json.contains("second_model_id")) {
    ENCUENTRO_ASSIGN_OR_RETURN(c.second_model_id_, Field<std::string>(json, "", "second_model_id"));
    ENCUENTRO_ASSIGN_OR_RETURN(c.second_model_weight_,
                               Field<double>(json, "", "second_model_weight"));
    if (c.second_model_id_.empty() || !(c.second_model_weight_ > 0)) {
      return Invalid(
          "fields `second_model_id` and `second_model_weight` must name a model and a "
          "positive weight");
    }
  }
  ENCUENTRO_ASSIGN_OR_RETURN(c.date_, Field<std::string>(json, "", "date"));

  if (!json.contains("source")) return Invalid("missing field `source`");
  const nlohmann::json& source = json["source"];
  ENCUENTRO_ASSIGN_OR_RETURN(c.pairs_file_, Field<std::string>(source, "source", "pairs_file"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.description_, Field<std::string>(source, "source", "description"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.genuine_count_,
                             Field<std::size_t>(source, "source", "genuine_pairs"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.impostor_count_,
                             Field<std::size_t>(source, "source", "impostor_pairs"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.excluded_count_,
                             Field<std::size_t>(source, "source", "excluded_pairs"));
  if (source.contains("pipeline")) {
    if (!source["pipeline"].is_object())
      return Invalid("field `source.pipeline` must be an object");
    for (const auto& [key, value] : source["pipeline"].items()) {
      if (!value.is_string()) {
        return Invalid("field `source.pipeline." + key + "` must be a string");
      }
      c.pipeline_[key] = value.get<std::string>();
    }
  }

  if (!json.contains("estimator")) return Invalid("missing field `estimator`");
  const nlohmann::json& estimator = json["estimator"];
  std::string method;
  ENCUENTRO_ASSIGN_OR_RETURN(method, Field<std::string>(estimator, "estimator", "method"));
  if (method != kMethod) {
    return Invalid("field `estimator.method` is \"" + method + "\"; expected \"" + kMethod + "\"");
  }
  ENCUENTRO_ASSIGN_OR_RETURN(c.genuine_bandwidth_,
                             Field<double>(estimator, "estimator", "genuine_bandwidth"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.impostor_bandwidth_,
                             Field<double>(estimator, "estimator", "impostor_bandwidth"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.supported_min_,
                             Field<double>(estimator, "estimator", "supported_min"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.supported_max_,
                             Field<double>(estimator, "estimator", "supported_max"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.bound_by_sample_size_,
                             Field<bool>(estimator, "estimator", "bound_by_sample_size"));

  ENCUENTRO_ASSIGN_OR_RETURN(c.max_abs_, Field<double>(json, "", "max_abs_log10_lr"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.lower_, Field<double>(json, "", "lower_log10_lr"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.upper_, Field<double>(json, "", "upper_log10_lr"));
  if (!(c.max_abs_ > 0)) return Invalid("field `max_abs_log10_lr` must be positive");
  if (c.upper_ > c.max_abs_ || c.lower_ < -c.max_abs_ || c.lower_ > c.upper_) {
    return Invalid(
        "fields `lower_log10_lr` and `upper_log10_lr` must lie within "
        "+-max_abs_log10_lr, lower first");
  }
  if (!json.contains("light")) return Invalid("missing field `light`");
  ENCUENTRO_ASSIGN_OR_RETURN(c.match_log10_lr_,
                             Field<double>(json["light"], "light", "match_log10_lr"));
  ENCUENTRO_ASSIGN_OR_RETURN(c.no_match_log10_lr_,
                             Field<double>(json["light"], "light", "no_match_log10_lr"));
  if (!(c.match_log10_lr_ > c.no_match_log10_lr_)) {
    return Invalid("field `light.match_log10_lr` must exceed `light.no_match_log10_lr`");
  }

  if (!json.contains("table") || !json["table"].is_array()) {
    return Invalid("missing field `table` (an array of rows)");
  }
  const nlohmann::json& table = json["table"];
  if (table.size() < 2) return Invalid("field `table` needs at least two rows");
  for (std::size_t k = 0; k < table.size(); ++k) {
    const nlohmann::json& row = table[k];
    const std::string where = absl::StrFormat("table[%zu]", k);
    if (!row.is_array() || row.size() != 5) {
      return Invalid(where +
                     " must be [distance, log10_lr, raw_log10_lr, genuine_density, "
                     "impostor_density]");
    }
    for (const nlohmann::json& cell : row) {
      if (!cell.is_number() || !std::isfinite(cell.get<double>())) {
        return Invalid(where + " must hold finite numbers");
      }
    }
    CalibrationPoint p{row[0].get<double>(), row[1].get<double>(), row[2].get<double>(),
                       row[3].get<double>(), row[4].get<double>()};
    if (!c.table_.empty() && !(p.distance > c.table_.back().distance)) {
      return Invalid(where + ": distances must increase");
    }
    if (!c.table_.empty() && p.log10_lr > c.table_.back().log10_lr) {
      return Invalid(where + ": log10_lr rises with distance; it must not");
    }
    if (p.log10_lr > c.upper_ || p.log10_lr < c.lower_) {
      return Invalid(where + ": log10_lr lies outside [lower_log10_lr, upper_log10_lr]");
    }
    c.table_.push_back(p);
  }
  c.Finish();
  return c;
}

absl::StatusOr<FaceCalibration> FaceCalibration::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("face calibration: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<FaceCalibration> c = FromJson(text.str());
  if (!c.ok()) {
    return absl::Status(c.status().code(), path + ": " + std::string(c.status().message()));
  }
  return c;
}

void FaceCalibration::Finish() {
  // Trapezoid rule over the table's impostor density, normalized: the table spans the data.
  impostor_cdf_.assign(table_.size(), 0);
  for (std::size_t k = 1; k < table_.size(); ++k) {
    impostor_cdf_[k] = impostor_cdf_[k - 1] +
                       (table_[k].distance - table_[k - 1].distance) *
                           (table_[k].impostor_density + table_[k - 1].impostor_density) / 2;
  }
  const double total = impostor_cdf_.empty() ? 0 : impostor_cdf_.back();
  if (total > 0) {
    for (double& f : impostor_cdf_) f /= total;
  }
}

double FaceCalibration::ImpostorTail(double distance) const {
  if (impostor_cdf_.empty() || impostor_cdf_.back() <= 0) return 1;
  if (distance <= table_.front().distance) return 1;
  if (distance >= table_.back().distance) return 0;
  const auto upper =
      std::upper_bound(table_.begin(), table_.end(), distance,
                       [](double d, const CalibrationPoint& p) { return d < p.distance; });
  const std::size_t k = static_cast<std::size_t>(upper - table_.begin());
  const double t =
      (distance - table_[k - 1].distance) / (table_[k].distance - table_[k - 1].distance);
  return 1 - (impostor_cdf_[k - 1] + t * (impostor_cdf_[k] - impostor_cdf_[k - 1]));
}

double FaceCalibration::MinimumCorrection(double distance, int comparisons) const {
  if (comparisons <= 1 || !std::isfinite(distance)) return 0;
  const double m = comparisons;
  const double tail = std::max(ImpostorTail(distance), 1e-12);
  return std::min(0.0, -std::log10(m) - (m - 1) * std::log10(tail));
}

Factor FaceCalibration::FaceFactor(double distance, int comparisons, std::string_view subject,
                                   bool explain) const {
  if (!std::isfinite(distance)) return FaceFactor(distance, subject);
  const double correction = MinimumCorrection(distance, comparisons);
  Factor f{"face", std::clamp(Log10Lr(distance) + correction, lower_, upper_), Light::kPossible,
           false, ""};
  f.unbounded_log10_lr = f.log10_lr;
  if (f.log10_lr >= match_log10_lr_) {
    f.light = Light::kMatch;
  } else if (f.log10_lr <= no_match_log10_lr_) {
    f.light = Light::kNoMatch;
  }
  if (!explain) return f;
  f.reason = FaceFactor(distance, subject).reason;
  if (comparisons > 1) {
    absl::StrAppend(&f.reason, absl::StrFormat("; closest of %d comparisons, %+.2f for that: %+.1f",
                                               comparisons, correction, f.log10_lr));
  }
  return f;
}

double FaceCalibration::Log10Lr(double distance) const {
  if (std::isnan(distance)) return 0;
  if (distance <= table_.front().distance) return table_.front().log10_lr;
  if (distance >= table_.back().distance) return table_.back().log10_lr;
  const auto above =
      std::upper_bound(table_.begin(), table_.end(), distance,
                       [](double d, const CalibrationPoint& p) { return d < p.distance; });
  const CalibrationPoint& hi = *above;
  const CalibrationPoint& lo = *std::prev(above);
  const double t = (distance - lo.distance) / (hi.distance - lo.distance);
  return lo.log10_lr + t * (hi.log10_lr - lo.log10_lr);
}

Factor FaceCalibration::FaceFactor(double distance, std::string_view subject) const {
  if (!std::isfinite(distance)) {
    return {"face", 0, Light::kUnknown, false, std::string(subject) + ": no comparable face"};
  }
  const double lr = Log10Lr(distance);
  Light light = Light::kPossible;
  if (lr >= match_log10_lr_) {
    light = Light::kMatch;
  } else if (lr <= no_match_log10_lr_) {
    light = Light::kNoMatch;
  }
  const std::string bounds = std::abs(upper_ + lower_) < 0.05
                                 ? absl::StrFormat("capped at %.1f", upper_)
                                 : absl::StrFormat("capped to %+.1f..%+.1f", lower_, upper_);
  return {"face", lr, light, false,
          absl::StrFormat("%s at distance %.2f: log10 LR %+.1f (%s)", std::string(subject),
                          distance, lr, bounds)};
}

#undef ENCUENTRO_ASSIGN_OR_RETURN

}  // namespace encuentro::matching

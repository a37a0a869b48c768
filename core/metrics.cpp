#include "core/metrics.h"

#include <cstdio>
#include <cstdlib>

namespace tc {
namespace {

// Registration mistakes are bugs in our code, never outside input: stop with the reason.
[[noreturn]] void registration_bug(std::string_view name, std::string_view why) {
  std::fprintf(stderr, "metrics: metric '%.*s': %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(why.size()), why.data());
  std::abort();
}

bool is_name_char(char c, bool first, bool allow_colon) {
  bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  bool digit = c >= '0' && c <= '9';
  return letter || (allow_colon && c == ':') || (!first && digit);
}

bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0, allow_colon)) return false;
  }
  return true;
}

bool same_labels(const MetricLabels& a, const MetricLabels& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

void append_escaped(std::string_view text, bool escape_quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (escape_quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// "{a="x",b="y"}" or nothing; `extra` (the histogram's le) goes last.
void append_labels(const MetricLabels& labels, std::string_view extra_name,
                   std::string_view extra_value, std::string* out) {
  if (labels.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  auto append_one = [&](std::string_view name, std::string_view value) {
    if (!first) out->push_back(',');
    first = false;
    out->append(name);
    out->append("=\"");
    append_escaped(value, /*escape_quote=*/true, out);
    out->push_back('"');
  };
  for (const MetricLabel& label : labels) append_one(label.name, label.value);
  if (!extra_name.empty()) append_one(extra_name, extra_value);
  out->push_back('}');
}

void append_sample(std::string_view name, std::string_view suffix, const MetricLabels& labels,
                   std::string_view extra_name, std::string_view extra_value,
                   std::string_view value, std::string* out) {
  out->append(name);
  out->append(suffix);
  append_labels(labels, extra_name, extra_value, out);
  out->push_back(' ');
  out->append(value);
  out->push_back('\n');
}

}  // namespace

Histogram::Histogram(std::vector<std::uint64_t> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(new std::atomic<std::uint64_t>[upper_bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) counts_[i].store(0);
}

MetricsRegistry::Series& MetricsRegistry::find_or_add(
    std::string_view name, std::string_view help, Type type, const MetricLabels& labels,
    const std::vector<std::uint64_t>& upper_bounds) {
  if (!is_valid_name(name, /*allow_colon=*/true)) registration_bug(name, "invalid metric name");
  for (const MetricLabel& label : labels) {
    if (!is_valid_name(label.name, /*allow_colon=*/false)) {
      registration_bug(name, "invalid label name '" + label.name + "'");
    }
    if (type == Type::kHistogram && label.name == "le") {
      registration_bug(name, "label 'le' is reserved for histogram buckets");
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), upper_bounds, {}})
             .first;
  } else if (it->second.type != type) {
    registration_bug(name, "registered again with another type");
  } else if (it->second.upper_bounds != upper_bounds) {
    registration_bug(name, "registered again with other bucket bounds");
  }
  Family& family = it->second;
  for (Series& series : family.series) {
    if (same_labels(series.labels, labels)) return series;
  }
  Series& series = family.series.emplace_back();
  series.labels = labels;
  switch (type) {
    case Type::kCounter:
      series.counter = std::make_unique<Counter>();
      break;
    case Type::kGauge:
      series.gauge = std::make_unique<Gauge>();
      break;
    case Type::kHistogram:
      series.histogram = std::make_unique<Histogram>(upper_bounds);
      break;
  }
  return series;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  const MetricLabels& labels) {
  return *find_or_add(name, help, Type::kCounter, labels, {}).counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help,
                              const MetricLabels& labels) {
  return *find_or_add(name, help, Type::kGauge, labels, {}).gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      const std::vector<std::uint64_t>& upper_bounds,
                                      const MetricLabels& labels) {
  for (std::size_t i = 1; i < upper_bounds.size(); ++i) {
    if (upper_bounds[i] <= upper_bounds[i - 1]) {
      registration_bug(name, "bucket bounds must be strictly increasing");
    }
  }
  return *find_or_add(name, help, Type::kHistogram, labels, upper_bounds).histogram;
}

std::string MetricsRegistry::render_prometheus() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, family] : families_) {
    out.append("# HELP ");
    out.append(name);
    out.push_back(' ');
    append_escaped(family.help, /*escape_quote=*/false, &out);
    out.append("\n# TYPE ");
    out.append(name);
    switch (family.type) {
      case Type::kCounter:
        out.append(" counter\n");
        break;
      case Type::kGauge:
        out.append(" gauge\n");
        break;
      case Type::kHistogram:
        out.append(" histogram\n");
        break;
    }
    for (const Series& series : family.series) {
      switch (family.type) {
        case Type::kCounter:
          append_sample(name, "", series.labels, "", "", std::to_string(series.counter->value()),
                        &out);
          break;
        case Type::kGauge:
          append_sample(name, "", series.labels, "", "", std::to_string(series.gauge->value()),
                        &out);
          break;
        case Type::kHistogram: {
          const Histogram& histogram = *series.histogram;
          const std::vector<std::uint64_t>& bounds = histogram.upper_bounds();
          std::uint64_t cumulative = 0;
          for (std::size_t i = 0; i <= bounds.size(); ++i) {
            cumulative += histogram.bucket_count(i);
            std::string le = i < bounds.size() ? std::to_string(bounds[i]) : "+Inf";
            append_sample(name, "_bucket", series.labels, "le", le, std::to_string(cumulative),
                          &out);
          }
          // _count is the +Inf bucket so that the two always agree within one scrape.
          append_sample(name, "_sum", series.labels, "", "", std::to_string(histogram.sum()), &out);
          append_sample(name, "_count", series.labels, "", "", std::to_string(cumulative), &out);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace tc

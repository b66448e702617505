// Model::summary: Keras' table. A chain (Sequential) has three columns; a graph adds "Connected
// to", each source written as Keras does: <layer>[<call>][0].
#include <fmt/core.h>

#include <minidl/core/error.hpp>
#include <minidl/models/model.hpp>

namespace minidl {
namespace {

std::string shape_text(const Shape& s) {
  std::string text = "(None";
  for (int i = 0; i < s.rank(); ++i) text += ", " + std::to_string(s[i]);
  return text + ")";
}

std::string thousands(Index n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string bytes(Index params) {
  const double b = params * 4.0;
  if (b >= 1 << 20) return fmt::format("{:.2f} MB", b / (1 << 20));
  if (b >= 1 << 10) return fmt::format("{:.2f} KB", b / (1 << 10));
  return fmt::format("{:.2f} B", b);
}

struct Row {
  std::string layer, shape, params, connected;
};

std::string table(const std::string& name, const std::vector<Row>& rows, bool connected) {
  std::vector<int> widths = {33, 24, 15};
  if (connected) widths.push_back(30);
  for (const Row& r : rows) {
    widths[0] = std::max<int>(widths[0], int(r.layer.size()) + 2);
    if (connected) widths[3] = std::max<int>(widths[3], int(r.connected.size()) + 2);
  }
  auto rule = [&](const char* left, const char* fill, const char* mid, const char* right) {
    std::string s = left;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      for (int i = 0; i < widths[c]; ++i) s += fill;
      s += c + 1 == widths.size() ? right : mid;
    }
    return s + "\n";
  };
  auto line = [&](const char* bar, const Row& r) {
    std::string s = fmt::format("{} {:<{}}{} {:<{}}{} {:>{}} {}", bar, r.layer, widths[0] - 1, bar,
                                r.shape, widths[1] - 1, bar, r.params, widths[2] - 2, bar);
    if (connected) s += fmt::format(" {:<{}}{}", r.connected, widths[3] - 1, bar);
    return s + "\n";
  };
  std::string s = fmt::format("Model: \"{}\"\n", name);
  s += rule("\u250f", "\u2501", "\u2533", "\u2513");
  s += line("\u2503", {"Layer (type)", "Output Shape", "Param #", "Connected to"});
  s += rule("\u2521", "\u2501", "\u2547", "\u2529");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    s += line("\u2502", rows[i]);
    if (i + 1 < rows.size()) s += rule("\u251c", "\u2500", "\u253c", "\u2524");
  }
  s += rule("\u2514", "\u2500", "\u2534", "\u2518");
  return s;
}

}  // namespace

std::string Model::summary_table() const {
  if (!built()) {
    throw Error(label() + ": summary needs a built model; call build(input_shape) or fit first");
  }
  // Chains print as Keras prints a Sequential model: no input row, no "Connected to".
  bool chain = inputs_.size() == 1 && outputs_.size() == 1;
  for (const Step& s : steps_)
    chain = chain && s.sources.size() <= 1 && s.readers <= 1 && !s.shared;
  // Each step's name as a source: "<layer>[<call index>][0]".
  std::vector<std::string> source_name(steps_.size());
  std::map<const Layer*, int> calls;
  std::vector<Row> rows;
  std::map<const Layer*, std::size_t> row_of;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    if (!s.layer) {
      const std::string& in = inputs_[s.input].input_name();
      source_name[i] = in + "[0][0]";
      if (!chain)
        rows.push_back({in + " (InputLayer)", shape_text(inputs_[s.input].shape()), "0", "-"});
      continue;
    }
    source_name[i] = s.layer->name() + "[" + std::to_string(calls[s.layer]++) + "][0]";
    std::string connected;
    for (int source : s.sources) connected += (connected.empty() ? "" : ", ") + source_name[source];
    auto found = row_of.find(s.layer);
    if (found != row_of.end()) {
      rows[found->second].connected += ", " + connected;
      continue;
    }
    Index count = 0;
    for (Parameter* p : s.layer->parameters()) count += p->value.size();
    row_of[s.layer] = rows.size();
    rows.push_back({s.layer->name() + " (" + s.layer->type() + ")",
                    shape_text(s.layer->output_shape()), thousands(count), connected});
  }
  Index trainable = 0, frozen = 0;
  for (const auto& l : layers_) {
    for (Parameter* p : l->parameters()) (p->trainable ? trainable : frozen) += p->value.size();
  }
  std::string s = table(name_, rows, !chain);
  s += fmt::format(" Total params: {} ({})\n", thousands(trainable + frozen),
                   bytes(trainable + frozen));
  s += fmt::format(" Trainable params: {} ({})\n", thousands(trainable), bytes(trainable));
  s += fmt::format(" Non-trainable params: {} ({})\n", thousands(frozen), bytes(frozen));
  return s;
}

void Model::summary() const {
  fmt::print("{}", summary_table());
}

}  // namespace minidl

#include "plot_history.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <plplot.h>

#include <minidl/core/error.hpp>

namespace examples {
namespace {

bool has_pngcairo() {
  // PLplot fills caller-provided arrays of at most `count` entries and sets `count`.
  int count = 128;
  std::vector<const char*> menu(std::size_t(count), nullptr), names(std::size_t(count), nullptr);
  const char** menu_ptr = menu.data();
  const char** names_ptr = names.data();
  plgFileDevs(&menu_ptr, &names_ptr, &count);
  return std::any_of(names.begin(), names.begin() + count,
                     [](const char* n) { return n && std::strcmp(n, "pngcairo") == 0; });
}

// One panel: `key` and "val_" + key against the epoch (1-based), in the current subpage.
void panel(const minidl::History& history, const std::string& key, const std::string& label) {
  const auto& h = history.history;
  std::vector<PLFLT> epochs, train, validation;
  for (std::size_t i = 0; i < h.at(key).size(); ++i) {
    epochs.push_back(PLFLT(i + 1));
    train.push_back(h.at(key)[i]);
  }
  const bool has_validation = h.count("val_" + key) > 0;
  if (has_validation) validation.assign(h.at("val_" + key).begin(), h.at("val_" + key).end());
  PLFLT low = *std::min_element(train.begin(), train.end());
  PLFLT high = *std::max_element(train.begin(), train.end());
  for (PLFLT v : validation) low = std::min(low, v), high = std::max(high, v);
  const PLFLT margin = std::max<PLFLT>((high - low) * 0.08, 1e-3);
  const PLFLT last = std::max<PLFLT>(PLFLT(epochs.size()), 2.0);

  pladv(0);
  plvsta();
  plwind(1.0, last, low - margin, high + margin);
  plcol0(1);
  plbox("bcnstg", 0.0, 0, "bcnstvg", 0.0, 0);
  pllab("epoch", label.c_str(), label.c_str());
  plwidth(2.0);
  plcol0(2);
  plline(PLINT(epochs.size()), epochs.data(), train.data());
  plpoin(PLINT(epochs.size()), epochs.data(), train.data(), 17);
  if (has_validation) {
    plcol0(3);
    plline(PLINT(epochs.size()), epochs.data(), validation.data());
    plpoin(PLINT(epochs.size()), epochs.data(), validation.data(), 17);
  }
  plwidth(1.0);

  // Legend in the panel's upper or lower right, away from where losses and accuracies go.
  const bool is_loss = key == "loss";
  PLINT opt[2] = {PL_LEGEND_LINE | PL_LEGEND_SYMBOL, PL_LEGEND_LINE | PL_LEGEND_SYMBOL};
  PLINT text_colors[2] = {1, 1}, line_colors[2] = {2, 3}, line_styles[2] = {1, 1};
  PLINT symbol_colors[2] = {2, 3}, symbol_numbers[2] = {1, 1};
  PLFLT line_widths[2] = {2.0, 2.0}, symbol_scales[2] = {1.0, 1.0};
  const char* symbols[2] = {"#(728)", "#(728)"};
  const char* texts[2] = {"train", "validation"};
  PLFLT width = 0, height = 0;
  pllegend(
      &width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
      PL_POSITION_RIGHT | (is_loss ? PL_POSITION_TOP : PL_POSITION_BOTTOM) | PL_POSITION_INSIDE,
      0.03, 0.03, 0.1, 0, 1, 1, 0, 0, has_validation ? 2 : 1, opt, 1.0, 1.0, 2.0, 0.0, text_colors,
      texts, nullptr, nullptr, nullptr, nullptr, line_colors, line_styles, line_widths,
      symbol_colors, symbol_scales, symbol_numbers, symbols);
}

}  // namespace

void plot_history(const minidl::History& history, const std::string& png_path,
                  const std::string& title) {
  if (history.epochs() == 0) throw minidl::Error("plot_history: the history has no epochs");
  if (!has_pngcairo()) {
    throw minidl::Error(
        "plot_history: PLplot has no pngcairo driver (apt-get install "
        "plplot-driver-cairo)");
  }
  plsdev("pngcairo");
  plsfnam(png_path.c_str());
  plsetopt("geometry", "1100x450");
  // White background, black axes and text, blue train and orange validation curves.
  plscol0(0, 255, 255, 255);
  plscol0(1, 0, 0, 0);
  plscol0(2, 31, 119, 180);
  plscol0(3, 255, 127, 14);
  plssub(2, 1);
  plinit();
  panel(history, "loss", "loss");
  if (history.history.count("accuracy")) panel(history, "accuracy", "accuracy");
  plssub(1, 1);
  pladv(0);
  plvpor(0.0, 1.0, 0.0, 1.0);
  plwind(0.0, 1.0, 0.0, 1.0);
  plcol0(1);
  plmtex("t", -1.2, 0.5, 0.5, title.c_str());
  plend();
}

}  // namespace examples

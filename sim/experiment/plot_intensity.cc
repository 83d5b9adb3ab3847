// The intensity timeline of an FL run in simulated time (see PlotIntensityTimeline in plot.h):
// each zone's hourly life-cycle intensity, the rounds' starts and the clients' jobs.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "fedcarbon/common/utc_time.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/records/rounds.h"

namespace fedcarbon::experiment {

Result<bool> PlotIntensityTimeline(const std::string& run_dir, const PlotOptions& options,
                                   bool render, PlotReport* report) {
  auto ledger = energy::ReadLedger(run_dir + "/ledger.csv");
  if (!ledger.ok()) return ledger.status();
  std::set<std::string> zones;
  for (const energy::LedgerRow& r : *ledger)
    if (r.role == "client" && r.intensity_source == "hourly") zones.insert(r.zone);
  if (zones.empty()) return false;  // nothing priced hourly: no timeline to draw
  auto rounds = records::ReadRounds(run_dir + "/rounds.csv");
  if (!rounds.ok()) return rounds.status();
  if (rounds->empty()) return false;
  auto grid = energy::GridIntensity::Default();
  if (!grid.ok()) return grid.status();

  const double t0 = std::floor(rounds->front().sim_start / 3600.0) * 3600.0;
  const double t1 = std::ceil(rounds->back().sim_end / 3600.0 + 1e-9) * 3600.0;
  const auto hours = [t0](double t) { return (t - t0) / 3600.0; };
  std::string data = "# " + run_dir +
                     ": hourly LCA intensity (g CO2e/kWh) of each zone its "
                     "clients were priced in, from " +
                     FormatUtcTime(t0) + " (Electricity Maps 2023, ODbL)\n";
  double top = 0.0;
  for (const std::string& id : zones) {
    const energy::Zone* z = grid->FindZone(id);
    if (!z) continue;
    data += "# zone " + id + "\n";
    for (double t = t0; t <= t1 + 1.0; t += 3600.0) {
      const double g = grid->MeanLca(*z, t, t + 3600.0);
      top = std::max(top, g);
      data += DatNumber(hours(t)) + " " + DatNumber(g) + "\n";
    }
    data += "\n\n";
  }
  data += "# round starts (hours)\n";
  for (const records::RoundRecord& r : *rounds) data += DatNumber(hours(r.sim_start)) + " 0\n";
  data += "\n\n# client jobs used: start (hours), priced intensity\n";
  for (const energy::LedgerRow& r : *ledger)
    if (r.role == "client" && !energy::IsWasted(r))
      data +=
          DatNumber(hours(r.sim_start)) + " " + DatNumber(r.cost.carbon_intensity_g_per_kwh) + "\n";

  PlotSpec spec;
  spec.name = "intensity_time";
  spec.data = data;
  std::string plot = "plot ";
  int index = 0;
  for (const std::string& id : zones) {
    plot += "'intensity_time.dat' index " + std::to_string(index++) +
            " using 1:2 with steps lw 2 title " + GnuplotQuote(id) + ", \\\n     ";
  }
  plot += "'intensity_time.dat' index " + std::to_string(index) + " using 1:(" +
          DatNumber(top * 1.05) +
          ") with impulses lc rgb '#bbbbbb' title 'round start', \\\n     "
          "'intensity_time.dat' index " +
          std::to_string(index + 1) +
          " using 1:2 with points pt 7 ps 0.5 lc rgb 'black' title 'client job (priced)'\n";
  spec.commands = "set grid\nset key outside right\nset title " +
                  GnuplotQuote("Grid intensity over simulated time: " + run_dir) + "\nset xlabel " +
                  GnuplotQuote("simulated hours from " + FormatUtcTime(t0)) +
                  "\nset ylabel 'g CO2e/kWh (life cycle)'\nset yrange [0:*]\n" + plot;
  spec.width = 1100;
  FEDCARBON_RETURN_IF_ERROR(WritePlot(run_dir, spec, options, render, report));
  return true;
}

}  // namespace fedcarbon::experiment

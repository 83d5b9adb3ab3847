// The Table 4 adapter of `fedcarbon uncertainty` (see uncertainty.h): a reproduction folder's
// ledgers re-priced at each draw of the catalog's ranged values, per seed and power method.
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/experiment/uncertainty.h"

namespace fedcarbon::experiment {
namespace {

double Cell(const Table4& t, const std::string& column, const std::string& country) {
  const auto c = std::find(t.columns.begin(), t.columns.end(), column);
  for (const Table4::Row& r : t.rows) {
    if (r.country == country && c != t.columns.end()) {
      return r.grams[static_cast<size_t>(c - t.columns.begin())];
    }
  }
  return std::nan("");
}

double Log(double v) { return std::log(std::max(v, 1e-300)); }

// A conclusion's margin (uncertainty.h): > 0 while it holds, from its id's form
// "a<b@C" (log(b / a)), "a>b@C" (log(a / b)) or paper_order_of_magnitude (the smaller log
// distance of the extreme ratios to 0.1 and 10); +-1 for an id of another form.
double Margin(const Conclusion& c, const Table4& t) {
  if (c.id == "paper_order_of_magnitude") {
    const auto [lo, hi] = PaperRatioRange(t);
    return std::min(Log(lo / 0.1), Log(10.0 / hi));
  }
  const size_t at = c.id.rfind('@');
  const size_t op = c.id.find_first_of("<>");
  if (at != std::string::npos && op != std::string::npos && op < at) {
    const std::string country = c.id.substr(at + 1);
    const double a = Cell(t, c.id.substr(0, op), country);
    const double b = Cell(t, c.id.substr(op + 1, at - op - 1), country);
    if (std::isfinite(a) && std::isfinite(b))
      return c.id[op] == '<' ? Log(b) - Log(a) : Log(a) - Log(b);
  }
  return c.holds ? 1.0 : -1.0;
}

// The spec with every centralized PUE equal to a drawn preset's base moved to the drawn value.
ReproduceSpec MovePues(const ReproduceSpec& spec, const std::vector<McParameter>& params,
                       const std::vector<double>& x) {
  ReproduceSpec s = spec;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].name.rfind("pue_presets.", 0) != 0) continue;
    for (size_t c = 0; c < s.centralized.size(); ++c) {
      if (std::abs(spec.centralized[c].pue - params[i].base) < 1e-9) s.centralized[c].pue = x[i];
    }
  }
  return s;
}

Result<Table4> Build(const RecordedReproduction& rec, const ReproduceSpec& spec,
                     const energy::Catalog& cat, size_t seed) {
  const RecordedReproduction::Seed& s = rec.seeds.at(seed);
  return BuildTable4(spec, cat, s.centralized, s.fl_iid, s.fl_noniid);
}

// Table 4's cells alone, priced as BuildTable4 prices them (energy::Reprice's rules for a row of
// role centralized or client moved to a country, and for the centralized rows to a device and
// PUE) but without copying rows or the breakdown: Resolve once per run of equal targets,
// PriceResolved per row. About 40x cheaper; AnalyseTable4Uncertainty checks it against
// BuildTable4 before it is used. Only for rows priced at annual intensities.
class FastCells {
 public:
  struct Row {
    std::string device, network;
    double pue = 0.0;
    energy::Activity activity;
  };
  std::vector<Row> runs[3];  // centralized, fl_iid, fl_noniid: the rows BuildTable4 prices
  bool usable = true;        // false: a row priced hourly

  explicit FastCells(const RecordedReproduction::Seed& s) {
    const std::pair<const std::vector<energy::LedgerRow>*, const char*> from[3] = {
        {&s.centralized, "centralized"}, {&s.fl_iid, "client"}, {&s.fl_noniid, "client"}};
    for (int i = 0; i < 3; ++i) {
      for (const energy::LedgerRow& r : *from[i].first) {
        if (r.role != from[i].second) continue;
        usable = usable && r.intensity_source != "hourly";
        runs[i].push_back({r.device, r.network, r.pue, r.activity});
      }
    }
  }

  // Rows and columns as BuildTable4 (country, grams); `columns` named by the caller.
  Result<Table4> Build(const ReproduceSpec& spec, const energy::Catalog& cat,
                       const std::vector<std::string>& columns) const {
    Table4 t;
    t.columns = columns;
    for (const std::string& country : spec.countries) {
      Result<energy::Country> c = cat.FindCountry(country);
      if (!c.ok()) return c.status();
      Table4::Row row;
      row.country = c->iso3;
      row.country_name = c->name;
      for (const CentralizedSetting& s : spec.centralized) {
        Result<double> g = Grams(cat, runs[0], c->iso3, &s);
        if (!g.ok()) return g.status();
        row.grams.push_back(*g);
      }
      for (int i = 1; i < 3; ++i) {
        Result<double> g = Grams(cat, runs[i], c->iso3, nullptr);
        if (!g.ok()) return g.status();
        row.grams.push_back(*g);
      }
      t.rows.push_back(std::move(row));
    }
    return t;
  }

 private:
  // Reprice's target of a moved row: the setting's device and PUE when given, else the row's.
  static Result<double> Grams(const energy::Catalog& cat, const std::vector<Row>& rows,
                              const std::string& iso3, const CentralizedSetting* s) {
    double kg = 0.0;
    energy::PricingTarget last;
    Result<energy::ResolvedTarget> rt = Status::Error("unresolved");
    for (const Row& r : rows) {
      energy::PricingTarget t;
      t.device = s ? s->device : r.device;
      t.country = iso3;
      t.network = r.network;
      t.pue = s ? s->pue : r.pue;
      if (!rt.ok() || t.device != last.device || t.network != last.network || t.pue != last.pue) {
        rt = energy::Resolve(cat, t);
        if (!rt.ok()) return rt.status();
        last = t;
      }
      kg += energy::PriceResolved(r.activity, *rt).emissions_kg;
    }
    return kg * 1000.0;
  }
};

// Whether two tables' cells agree to 1e-9 relative.
bool SameCells(const Table4& a, const Table4& b) {
  if (a.rows.size() != b.rows.size()) return false;
  for (size_t r = 0; r < a.rows.size(); ++r) {
    if (a.rows[r].country != b.rows[r].country ||
        a.rows[r].grams.size() != b.rows[r].grams.size()) {
      return false;
    }
    for (size_t c = 0; c < a.rows[r].grams.size(); ++c) {
      const double x = a.rows[r].grams[c], y = b.rows[r].grams[c];
      if (!(std::abs(x - y) <= 1e-9 * std::max(std::abs(x), std::abs(y)))) return false;
    }
  }
  return true;
}

}  // namespace

Result<Table4Uncertainty> AnalyseTable4Uncertainty(const RecordedReproduction& rec,
                                                   const energy::Catalog& catalog,
                                                   const std::vector<energy::PowerMethod>& methods,
                                                   const McOptions& options) {
  if (rec.seeds.empty()) return Status::InvalidArgument("uncertainty: no recorded seed");
  Table4Uncertainty u;
  u.parameters = CatalogParameters(catalog, &u.fixed);
  u.seeds = rec.seeds.size();
  u.options = options;
  u.options.levels = u.seeds > 1 ? u.seeds : 0;
  u.options.level_name = "seed";
  std::vector<FastCells> fast;
  bool fast_usable = true;
  for (const RecordedReproduction::Seed& s : rec.seeds) {
    fast.emplace_back(s);
    fast_usable = fast_usable && fast.back().usable;
  }
  // The first draws, to check the direct pricing against BuildTable4 away from the base values.
  McOptions probe = u.options;
  probe.draws = 10;  // draw d depends on (seed, d) only: the run's first draws
  Result<std::vector<McDraw>> probes = DrawSample(u.parameters, probe);
  if (!probes.ok()) return probes.status();
  for (const energy::PowerMethod m : methods) {
    Result<energy::Catalog> mcat = catalog.WithMethod(m);
    if (!mcat.ok()) return mcat.status();
    Table4Uncertainty::Method out;
    out.method = energy::PowerMethodName(m);
    std::vector<Table4> per_seed;
    for (size_t k = 0; k < rec.seeds.size(); ++k) {
      Result<Table4> t = Build(rec, rec.spec, *mcat, k);
      if (!t.ok()) return t.status().WithContext(rec.seeds[k].label);
      per_seed.push_back(std::move(t).value());
    }
    Result<Table4> base = CombineSeeds(per_seed);
    if (!base.ok()) return base.status();
    out.base = std::move(base).value();
    out.conclusions = Table4Conclusions(out.base);
    McOutputNames names;
    for (const Table4::Row& r : out.base.rows) {
      for (const std::string& c : out.base.columns) out.cells.push_back(c + "@" + r.country);
    }
    names.reals = out.cells;
    for (const Conclusion& c : out.conclusions) names.flags.push_back(c.id);
    const std::vector<std::string> columns = out.base.columns;  // a drawn PUE renames a column
    const auto values_of = [&u](const McDraw& d) {
      std::vector<std::pair<std::string, double>> values;
      values.reserve(u.parameters.size());
      for (size_t i = 0; i < u.parameters.size(); ++i) {
        values.emplace_back(u.parameters[i].name, d.x[i]);
      }
      return values;
    };
    // Direct pricing when it gives BuildTable4's cells at the base and at the first 3 draws.
    bool direct = fast_usable;
    for (size_t k = 0; direct && k < rec.seeds.size(); ++k) {
      Result<Table4> f = fast[k].Build(rec.spec, *mcat, columns);
      direct = f.ok() && SameCells(*f, per_seed[k]);
      for (size_t d = 0; direct && d < 3; ++d) {
        const McDraw& draw = (*probes)[d];
        Result<energy::Catalog> cat = mcat->WithValues(values_of(draw));
        if (!cat.ok()) break;  // the run reports it
        const ReproduceSpec spec = MovePues(rec.spec, u.parameters, draw.x);
        Result<Table4> slow = Build(rec, spec, *cat, k);
        Result<Table4> quick = fast[k].Build(spec, *cat, columns);
        direct = slow.ok() && quick.ok() && SameCells(*slow, *quick);
      }
    }
    out.evaluator = direct ? "direct" : "BuildTable4";
    const McEvaluator evaluate = [&](const McDraw& d) -> Result<McOutputs> {
      Result<energy::Catalog> cat = mcat->WithValues(values_of(d));
      if (!cat.ok()) return cat.status();
      const ReproduceSpec spec = MovePues(rec.spec, u.parameters, d.x);
      Result<Table4> t =
          direct ? fast[d.level].Build(spec, *cat, columns) : Build(rec, spec, *cat, d.level);
      if (!t.ok()) return t.status();
      t->columns = columns;
      McOutputs o;
      for (const Table4::Row& r : t->rows)
        o.reals.insert(o.reals.end(), r.grams.begin(), r.grams.end());
      for (const Conclusion& c : Table4Conclusions(*t)) {
        o.flags.push_back(c.holds);
        o.margins.push_back(Margin(c, *t));
      }
      return o;
    };
    Result<McResult> r = RunMonteCarlo(u.parameters, names, evaluate, u.options);
    if (!r.ok()) return r.status().WithContext(out.method);
    out.result = std::move(r).value();
    u.methods.push_back(std::move(out));
  }
  return u;
}

}  // namespace fedcarbon::experiment

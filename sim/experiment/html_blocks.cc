// Building blocks of the HTML report: escaping, markdown, inline SVG, tables
// (see include/fedcarbon/experiment/html_report.h).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "fedcarbon/experiment/html_report.h"

namespace fedcarbon::experiment {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Escaped text with **bold** and `code` spans (escaping leaves '*' and '`' alone).
std::string Inline(std::string_view text) {
  std::string s = HtmlEscape(text), out;
  bool bold = false, code = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!code && s.compare(i, 2, "**") == 0 && (bold || s.find("**", i + 2) != std::string::npos)) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
    } else if (s[i] == '`' && (code || s.find('`', i + 1) != std::string::npos)) {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Cells of a pipe-table line: "| a | b |" -> {"a", "b"}; "\|" is a literal bar.
std::vector<std::string> TableCells(const std::string& line) {
  std::string t = Trim(line);
  if (StartsWith(t, "|")) t.erase(0, 1);
  if (!t.empty() && t.back() == '|' && (t.size() < 2 || t[t.size() - 2] != '\\')) t.pop_back();
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\\' && i + 1 < t.size() && t[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (t[i] == '|') {
      cells.push_back(Trim(cell));
      cell.clear();
    } else {
      cell += t[i];
    }
  }
  cells.push_back(Trim(cell));
  return cells;
}

bool IsSeparatorRow(const std::string& line) {
  const std::string t = Trim(line);
  return t.find("---") != std::string::npos && t.find_first_not_of("|-: ") == std::string::npos;
}

bool IsNumber(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

std::string Cell(const std::string& tag, const std::string& html, bool numeric) {
  return "<" + tag + (numeric ? " class=\"num\">" : ">") + html + "</" + tag + ">";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownToHtml(const std::string& markdown, int heading_offset) {
  std::vector<std::string> lines;
  std::istringstream in(markdown);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::string out, para;
  auto flush = [&] {
    if (!para.empty()) out += "<p>" + Inline(para) + "</p>\n";
    para.clear();
  };
  for (size_t i = 0; i < lines.size();) {
    const std::string t = Trim(lines[i]);
    if (t.empty()) {
      flush();
      ++i;
    } else if (StartsWith(t, "```")) {
      flush();
      out += "<pre>";
      for (++i; i < lines.size() && !StartsWith(Trim(lines[i]), "```"); ++i)
        out += HtmlEscape(lines[i]) + "\n";
      out += "</pre>\n";
      ++i;
    } else if (t[0] == '#') {
      flush();
      const size_t level = t.find_first_not_of('#');
      const int h = std::min(
          6, static_cast<int>(level == std::string::npos ? t.size() : level) + heading_offset);
      const char digit = static_cast<char>('0' + std::max(1, h));
      out.append("<h").append(1, digit).append(">");
      out += Inline(Trim(t.substr(std::min(t.size(), level))));
      out.append("</h").append(1, digit).append(">\n");
      ++i;
    } else if (t[0] == '|') {
      flush();
      std::vector<std::string> header = TableCells(t);
      ++i;
      if (i < lines.size() && IsSeparatorRow(lines[i])) ++i;
      out += "<table>\n<thead><tr>";
      for (const std::string& c : header) out += "<th>" + Inline(c) + "</th>";
      out += "</tr></thead>\n<tbody>\n";
      for (; i < lines.size() && StartsWith(Trim(lines[i]), "|"); ++i) {
        out += "<tr>";
        for (const std::string& c : TableCells(lines[i])) out += Cell("td", Inline(c), IsNumber(c));
        out += "</tr>\n";
      }
      out += "</tbody>\n</table>\n";
    } else if (StartsWith(t, "- ") || StartsWith(t, "* ")) {
      flush();
      out += "<ul>\n";
      for (; i < lines.size(); ++i) {
        const std::string li = Trim(lines[i]);
        if (!StartsWith(li, "- ") && !StartsWith(li, "* ")) break;
        out += "<li>" + Inline(li.substr(2)) + "</li>\n";
      }
      out += "</ul>\n";
    } else {
      para += para.empty() ? t : " " + t;
      ++i;
    }
  }
  flush();
  return out;
}

Result<std::string> InlineSvg(const std::string& svg_text, const std::string& id_prefix) {
  const size_t start = svg_text.find("<svg");
  const size_t end = svg_text.rfind("</svg>");
  if (start == std::string::npos || end == std::string::npos || end < start)
    return Status::Corruption("no <svg> element");
  std::string s = svg_text.substr(start, end + 6 - start);
  // <script> elements (gnuplot's "mouse" option) and xmlns attributes (implied in HTML).
  for (size_t p; (p = s.find("<script")) != std::string::npos;) {
    const size_t close = s.find("</script>", p);
    const size_t self = s.find("/>", p);
    const size_t gt = s.find('>', p);
    size_t stop = s.size();
    if (self != std::string::npos && self + 1 == gt)
      stop = self + 2;
    else if (close != std::string::npos)
      stop = close + 9;
    s.erase(p, stop - p);
  }
  for (size_t p = 0; (p = s.find("xmlns", p)) != std::string::npos;) {
    const size_t q1 = s.find_first_of("\"'", p);
    const size_t q2 = q1 == std::string::npos ? q1 : s.find(s[q1], q1 + 1);
    if (p == 0 || !std::isspace(static_cast<unsigned char>(s[p - 1])) || q2 == std::string::npos) {
      p += 5;
      continue;
    }
    s.erase(p - 1, q2 + 2 - p);
    --p;
  }
  // Ids: collect, then prefix declarations and "#id" references (followed by a quote or ')').
  std::set<std::string> ids;
  for (size_t p = 0; (p = s.find("id=", p)) != std::string::npos; p += 3) {
    if (p == 0 || !std::isspace(static_cast<unsigned char>(s[p - 1])) || p + 3 >= s.size())
      continue;
    const char q = s[p + 3];
    if (q != '"' && q != '\'') continue;
    const size_t e = s.find(q, p + 4);
    if (e != std::string::npos) ids.insert(s.substr(p + 4, e - p - 4));
  }
  std::string out;
  out.reserve(s.size() + 64 * ids.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const bool decl = i >= 1 && std::isspace(static_cast<unsigned char>(s[i - 1])) &&
                      s.compare(i, 3, "id=") == 0 && i + 3 < s.size() &&
                      (s[i + 3] == '"' || s[i + 3] == '\'');
    if (decl) {
      out += s.substr(i, 4) + id_prefix;
      i += 3;
      continue;
    }
    if (s[i] == '#') {
      const size_t e = s.find_first_of("\"')", i + 1);
      if (e != std::string::npos && ids.count(s.substr(i + 1, e - i - 1))) {
        out += "#" + id_prefix;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& h : header) out += "<th>" + HtmlEscape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const std::vector<std::string>& row : rows) {
    out += "<tr>";
    for (const std::string& c : row) out += Cell("td", HtmlEscape(c), IsNumber(c));
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string CsvToHtmlTable(const CsvTable& table, size_t max_rows) {
  const size_t n = std::min(max_rows, table.size());
  std::vector<std::vector<std::string>> rows(table.rows().begin(), table.rows().begin() + n);
  std::string out = HtmlTable(table.header(), rows);
  if (n < table.size())
    out += "<p class=\"note\">" + std::to_string(table.size() - n) + " more rows not shown (" +
           std::to_string(table.size()) + " in all).</p>\n";
  return out;
}

std::string JsonScalarText(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::vector<std::vector<std::string>> FlattenJson(const nlohmann::ordered_json& object) {
  std::vector<std::vector<std::string>> rows;
  auto walk = [&](auto&& self, const nlohmann::ordered_json& j, const std::string& prefix) -> void {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      if (it->is_object() && !it->empty())
        self(self, *it, key);
      else
        rows.push_back({key, JsonScalarText(*it)});
    }
  };
  if (object.is_object()) walk(walk, object, "");
  return rows;
}

std::string JsonToHtmlTables(const nlohmann::ordered_json& object) {
  std::string out;
  auto walk = [&](auto&& self, const nlohmann::ordered_json& j, const std::string& name) -> void {
    std::vector<std::vector<std::string>> rows;
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!it->is_object()) rows.push_back({it.key(), JsonScalarText(*it)});
    if (!name.empty()) out += "<h4>" + HtmlEscape(name) + "</h4>\n";
    if (!rows.empty()) out += HtmlTable({"key", "value"}, rows);
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it->is_object()) self(self, *it, name.empty() ? it.key() : name + "." + it.key());
  };
  if (object.is_object()) walk(walk, object, "");
  return out;
}

}  // namespace fedcarbon::experiment

#pragma once
// The catalog's JSON writers, shared by catalog.cpp and diff.cpp (changes
// carry tables, columns, ... in the catalog's own form). Internal to
// src/schema.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "strata/schema/catalog.hpp"

namespace strata::schema::detail {

nlohmann::ordered_json opt(const std::optional<std::string>& v);
nlohmann::ordered_json opt(const std::optional<int64_t>& v);
nlohmann::ordered_json key_json(const KeyColumns& k);
nlohmann::ordered_json column_json(const Column& c);
nlohmann::ordered_json index_json(const Index& i);
nlohmann::ordered_json foreign_key_json(const ForeignKey& f);
nlohmann::ordered_json check_json(const Check& c);
nlohmann::ordered_json trigger_json(const Trigger& t);
nlohmann::ordered_json table_json(const Table& t);
nlohmann::ordered_json view_json(const View& v);
nlohmann::ordered_json sequence_json(const Sequence& s);
nlohmann::ordered_json enum_json(const Enum& e);

}  // namespace strata::schema::detail

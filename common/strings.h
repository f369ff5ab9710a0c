// Byte and number helpers with Redis's exact parsing rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

// Strict integer parse as Redis's string2ll: optional '-', no leading zeros,
// no spaces, no '+', fits in int64. "" and "-" fail.
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseUint64(std::string_view s, uint64_t* out);

// Parse a long double as Redis's string2ld: no spaces, not NaN, finite unless
// `allow_inf` (the words "inf", "+inf", "-inf" case-insensitive).
bool ParseLongDouble(std::string_view s, long double* out);
// Parse a double as Redis's getDoubleFromObject (strtod, no spaces, not NaN).
bool ParseDouble(std::string_view s, double* out);

// Formats as Redis's ld2string(LD_STR_HUMAN): up to 17 significant digits,
// no exponent, trailing zeros trimmed ("3.0" -> "3"). Used by INCRBYFLOAT.
std::string FormatLongDoubleHuman(long double v);
// Six decimals, trailing zeros trimmed ("99.9", "50"): how Redis prints a
// percentile (latency-tracking-info-percentiles, INFO latencystats).
std::string FormatPercentile(double v);
// Formats a double as Redis replies with it in RESP (%.17g, "inf", "-inf").
std::string FormatDouble(double v);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

// Appends a big-endian integer.
void PutFixed16BE(std::string* dst, uint16_t v);
void PutFixed64BE(std::string* dst, uint64_t v);
uint16_t DecodeFixed16BE(const char* p);
uint64_t DecodeFixed64BE(const char* p);

}  // namespace cairn

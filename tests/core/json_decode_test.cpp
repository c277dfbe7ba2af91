#include "sl/core/json_decode.hpp"

#include <gtest/gtest.h>

namespace {

struct Inner {
  std::int64_t size = 0;
  std::string name;
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("size", &Inner::size, positive()), optional("name", &Inner::name)};
  }
};

struct Outer {
  std::string kind;
  Inner inner;
  std::optional<double> rate;
  std::optional<std::string> note;
  std::vector<std::int64_t> values;
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("kind", &Outer::kind, one_of({"a", "b"})), required("inner", &Outer::inner),
                      optional("rate", &Outer::rate, number_range(0, 1)), optional_omitted("note", &Outer::note),
                      optional("values", &Outer::values)};
  }
};

// A list whose null means "none", like the reference's `list[int] | None = None`.
struct WithNullableList {
  std::vector<std::int64_t> banned = {7};
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{optional_or_null("banned", &WithNullableList::banned)};
  }
};

// A settings struct with its own keys, and a file format that spells them flat among its own
// (in its own order, with its own defaults and required keys).
struct Optimizer {
  double lr = 0.1;
  std::int64_t warmup = 5;
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{optional("lr", &Optimizer::lr, number_range(0, 1)),
                      optional("warmup", &Optimizer::warmup, non_negative())};
  }
};

struct FlatCfg : Optimizer {
  std::int64_t epochs = 1;
  std::uint64_t seed = 0;
  FlatCfg() : Optimizer{.lr = 0.5} {}
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required<FlatCfg>(&Optimizer::warmup), optional("epochs", &FlatCfg::epochs, positive()),
                      optional<FlatCfg>(&Optimizer::lr), optional("seed", &FlatCfg::seed)};
  }
};

std::string decode_error(const sl::Json& j) {
  try {
    sl::json::decode_value<Outer>(j, "cfg");
  } catch (const sl::JsonDecodeError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(JsonDecode, DecodesValidObject) {
  auto j = sl::Json::parse(R"({"kind":"a","inner":{"size":3,"name":"x"},"rate":0.5,"values":[1,2]})");
  Outer o = sl::json::decode_value<Outer>(j);
  EXPECT_EQ(o.kind, "a");
  EXPECT_EQ(o.inner.size, 3);
  EXPECT_EQ(o.inner.name, "x");
  ASSERT_TRUE(o.rate);
  EXPECT_DOUBLE_EQ(*o.rate, 0.5);
  EXPECT_EQ(o.values, (std::vector<std::int64_t>{1, 2}));
  EXPECT_FALSE(o.note);
}

TEST(JsonDecode, ErrorsNameThePathAndValue) {
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":"30k"}})")),
            "cfg.inner.size: expected a positive integer, got \"30k\"");
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":0}})")),
            "cfg.inner.size: expected a positive integer, got 0");
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"c","inner":{"size":1}})")),
            "cfg.kind: expected one of \"a\", \"b\", got \"c\"");
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a"})")), "cfg.inner: missing required field");
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":1},"extra":1})")),
            "cfg.extra: unknown key (known keys: kind, inner, rate, note, values)");
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":1},"values":[1,"x"]})")),
            "cfg.values[1]: expected an integer, got \"x\"");
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":1},"rate":2})")),
            "cfg.rate: expected a number from 0 to 1, got 2");
  EXPECT_EQ(decode_error(sl::Json::parse(R"([1])")), "cfg: expected an object, got [1]");
}

TEST(JsonDecode, IntegralFloatsAreIntegers) {
  auto j = sl::Json::parse(R"({"kind":"a","inner":{"size":3.0}})");
  EXPECT_EQ(sl::json::decode_value<Outer>(j).inner.size, 3);
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":3.5}})")),
            "cfg.inner.size: expected a positive integer, got 3.5");
}

TEST(JsonDecode, NullForOptionalMember) {
  auto j = sl::Json::parse(R"({"kind":"b","inner":{"size":1},"rate":null})");
  EXPECT_FALSE(sl::json::decode_value<Outer>(j).rate);
}

TEST(JsonDecode, NullReadsLikeAnAbsentKeyWhereTheFieldSaysSo) {
  using sl::json::decode_value;
  EXPECT_EQ(decode_value<WithNullableList>(sl::Json::parse(R"({"banned":null})")).banned, std::vector<std::int64_t>{7});
  EXPECT_EQ(decode_value<WithNullableList>(sl::Json::parse(R"({})")).banned, std::vector<std::int64_t>{7});
  EXPECT_EQ(decode_value<WithNullableList>(sl::Json::parse(R"({"banned":[1,2]})")).banned,
            (std::vector<std::int64_t>{1, 2}));
  // Other values are still checked; a plain optional() list still refuses null.
  EXPECT_THROW(decode_value<WithNullableList>(sl::Json::parse(R"({"banned":"1"})")), sl::JsonDecodeError);
  EXPECT_EQ(decode_error(sl::Json::parse(R"({"kind":"a","inner":{"size":1},"values":null})")),
            "cfg.values: expected a list of integers, got null");
}

TEST(JsonDecode, EncodeRoundTripKeepsOrderAndOmitsEmpty) {
  Outer o;
  o.kind = "b";
  o.inner.size = 7;
  o.values = {4};
  sl::Json j = sl::json::encode(o);
  EXPECT_EQ(j.dump(), R"({"kind":"b","inner":{"size":7,"name":""},"rate":null,"values":[4]})");
  o.note = "hi";
  EXPECT_EQ(sl::json::encode(o)["note"], "hi");
  Outer back = sl::json::decode_value<Outer>(sl::json::encode(o));
  EXPECT_EQ(back.note, "hi");
  EXPECT_EQ(back.inner.size, 7);
}

namespace {
struct Cat {
  std::string type;
  int lives = 9;
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &Cat::type, one_of({"cat"})), optional("lives", &Cat::lives)};
  }
};
struct Dog {
  std::string type;
  static auto json_fields() {
    using namespace sl::json;
    return std::tuple{required("type", &Dog::type, one_of({"dog"}))};
  }
};
}  // namespace

TEST(JsonDecode, TaggedUnions) {
  using Pet = std::variant<Cat, Dog>;
  auto decode = [](const char* text) {
    auto j = sl::Json::parse(text);
    return sl::json::decode_tagged<Pet>(sl::json::Reader(j, "pets[0]"), {"cat", "dog"});
  };
  EXPECT_EQ(std::get<Cat>(decode(R"({"type":"cat","lives":3})")).lives, 3);
  EXPECT_TRUE(std::holds_alternative<Dog>(decode(R"({"type":"dog"})")));
  try {
    decode(R"({"type":"cow"})");
    FAIL();
  } catch (const sl::JsonDecodeError& e) {
    EXPECT_STREQ(e.what(), "pets[0].type: expected one of \"cat\", \"dog\", got \"cow\"");
  }
  try {
    decode(R"({"type":"dog","lives":1})");
    FAIL();
  } catch (const sl::JsonDecodeError& e) {
    EXPECT_STREQ(e.what(), "pets[0].lives: unknown key (known keys: type)");
  }
}

TEST(JsonDecode, BaseFieldsSitFlatWithTheBasesKeysAndConstraints) {
  FlatCfg c = sl::json::decode_value<FlatCfg>(sl::Json::parse(R"({"warmup": 2, "seed": 18446744073709551615})"), "cfg");
  EXPECT_EQ(c.warmup, 2);
  EXPECT_EQ(c.lr, 0.5);  // the derived struct's default
  EXPECT_EQ(c.seed, 18446744073709551615ULL);
  c.lr = 0.25;
  EXPECT_EQ(sl::json::encode(c).dump(), R"({"warmup":2,"epochs":1,"lr":0.25,"seed":18446744073709551615})");
  EXPECT_EQ(sl::json::encode(static_cast<const Optimizer&>(c)).dump(), R"({"lr":0.25,"warmup":2})");
  auto error = [](const char* text) {
    try {
      sl::json::decode_value<FlatCfg>(sl::Json::parse(text), "cfg");
    } catch (const sl::JsonDecodeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error(R"({"lr": 0.2})").find("cfg.warmup: missing required field"), std::string::npos);
  EXPECT_NE(error(R"({"warmup": 1, "lr": 2})").find("cfg.lr: expected a number from 0 to 1"), std::string::npos);
  EXPECT_NE(error(R"({"warmup": 1, "seed": -1})").find("cfg.seed: expected a non-negative integer"), std::string::npos);
  EXPECT_NE(error(R"({"warmup": 1, "other": 1})").find("other"), std::string::npos);
}

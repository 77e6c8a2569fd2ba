// The product contract's RDKit steps on the C++ RDKit the reference runs (Debian's librdkit, 2022.09.3), for
// molexpand's native engine. Each call is synchronous and owns what it creates; no RDKit object outlives a call
// except a rule set, which belongs to the JavaScript object that holds it.
//
// Every entry point catches everything RDKit throws: with C++ exceptions on, node-addon-api only converts its own
// Napi::Error, and anything else escaping a callback would end the process.
#include <napi.h>

#include <GraphMol/ChemReactions/Reaction.h>
#include <GraphMol/ChemReactions/ReactionParser.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolDraw2D/MolDraw2DSVG.h>
#include <GraphMol/MolDraw2D/MolDraw2DUtils.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>
#include <RDGeneral/versions.h>

#include <memory>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// A rule's reactant slot that takes the molecule being expanded; any other value indexes `coreactants`.
constexpr int32_t kAnySlot = -1;

struct RuleSet {
  std::vector<std::unique_ptr<RDKit::ChemicalReaction>> reactions;
  // Per rule: its reactant slots, or none for a rule on the molecule alone.
  std::vector<std::vector<int32_t>> slots;
  // Per rule with slots: which product templates are `Any`, the only products whose SMILES the caller reads.
  std::vector<std::vector<bool>> anyProducts;
  // The coreactants, prepared as the molecules are.
  std::vector<RDKit::ROMOL_SPTR> coreactants;
  bool explicitH = false;
  bool kekulize = false;
  unsigned int maxProductSets = 1000;
  bool edges = false;
};

// The molecule of a key prepared as the rule set asks (hydrogens added, then kekulized with aromatic flags cleared,
// as the reference does).
RDKit::ROMOL_SPTR prepared(const std::string& key, const RuleSet& rules) {
  std::unique_ptr<RDKit::RWMol> parsed(RDKit::SmilesToMol(key));
  if (!parsed) throw std::runtime_error("the key " + key + " no longer parses");
  if (rules.explicitH) RDKit::MolOps::addHs(*parsed);
  if (rules.kekulize) RDKit::MolOps::Kekulize(*parsed, true);
  return RDKit::ROMOL_SPTR(parsed.release());
}

// RDKit reports why a SMILES did not parse only through its error log, which stays off (formatting every warning
// of every parse would cost throughput); a failed call is repeated once with the log captured, as the WebAssembly
// engine does.
template <typename Call>
std::string explain(Call call) {
  std::ostringstream captured;
  auto previous = rdErrorLog;
  rdErrorLog = std::make_shared<boost::logging::rdLogger>(&captured);
  try {
    call();
  } catch (const std::exception& error) {
    captured << error.what() << "\n";
  } catch (...) {
  }
  rdErrorLog = previous;
  return captured.str();
}

// A molfile has more than one line; a SMILES never does.
bool isMolfile(const std::string& text) { return text.find('\n') != std::string::npos; }

RDKit::RWMol* parse(const std::string& text) {
  return isMolfile(text) ? RDKit::MolBlockToMol(text) : RDKit::SmilesToMol(text);
}

// { key } for a valid molecule, { reason } otherwise: as the contract's canonicalization.
Napi::Value Canonicalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string text = info[0].As<Napi::String>();
  Napi::Object out = Napi::Object::New(env);
  std::string reason;
  try {
    std::unique_ptr<RDKit::RWMol> mol(parse(text));
    if (mol) {
      out.Set("key", RDKit::MolToSmiles(*mol));
      return out;
    }
  } catch (const std::exception& error) {
    reason = error.what();
  } catch (...) {
    reason = "RDKit threw a non-standard exception";
  }
  if (reason.empty()) reason = explain([&] { delete parse(text); });
  out.Set("reason", reason);
  return out;
}

// The key of a candidate's raw SMILES, or null when it does not parse with sanitization.
Napi::Value KeyOfRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string raw = info[0].As<Napi::String>();
  try {
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(raw));
    if (mol) return Napi::String::New(env, RDKit::MolToSmiles(*mol));
  } catch (...) {
  }
  return env.Null();
}

// What the molecule of `key` is made of: { heavyAtoms, molWt (RDKit's MolWt), counts (its formula: atoms by
// symbol, hydrogens included), charge (the sum of formal charges) }, or null when the key does not parse.
Napi::Value Compose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string key = info[0].As<Napi::String>();
  try {
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(key));
    if (!mol) return env.Null();
    std::map<std::string, uint32_t> counts;
    int charge = 0;
    for (const auto atom : mol->atoms()) {
      counts[atom->getSymbol()]++;
      if (atom->getTotalNumHs() > 0) counts["H"] += atom->getTotalNumHs();
      charge += atom->getFormalCharge();
    }
    Napi::Object countsOut = Napi::Object::New(env);
    for (const auto& [symbol, n] : counts) countsOut.Set(symbol, n);
    Napi::Object out = Napi::Object::New(env);
    out.Set("heavyAtoms", mol->getNumHeavyAtoms());
    out.Set("molWt", RDKit::Descriptors::calcAMW(*mol));
    out.Set("counts", countsOut);
    out.Set("charge", charge);
    return out;
  } catch (...) {
    return env.Null();
  }
}

// A rule set from reaction SMARTS, each rule's reactant slots and the coreactants' keys; throws an Error whose
// `index` names the first rule RDKit rejects.
Napi::Value LoadRules(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array smarts = info[0].As<Napi::Array>();
  Napi::Object options = info[1].As<Napi::Object>();
  auto rules = std::make_unique<RuleSet>();
  rules->explicitH = options.Get("explicitH").ToBoolean();
  rules->kekulize = options.Get("kekulize").ToBoolean();
  rules->maxProductSets = options.Get("maxProductSets").ToNumber().Uint32Value();
  rules->edges = options.Get("edges").ToBoolean();
  Napi::Array slots = options.Get("slots").As<Napi::Array>();
  Napi::Array anyProducts = options.Get("anyProducts").As<Napi::Array>();
  for (uint32_t i = 0; i < slots.Length(); i++) {
    Napi::Array ruleSlots = slots.Get(i).As<Napi::Array>();
    std::vector<int32_t> indices;
    for (uint32_t j = 0; j < ruleSlots.Length(); j++) indices.push_back(ruleSlots.Get(j).ToNumber().Int32Value());
    rules->slots.push_back(std::move(indices));
    Napi::Array ruleAny = anyProducts.Get(i).As<Napi::Array>();
    std::vector<bool> any;
    for (uint32_t j = 0; j < ruleAny.Length(); j++) any.push_back(ruleAny.Get(j).ToBoolean());
    rules->anyProducts.push_back(std::move(any));
  }
  Napi::Array coreactants = options.Get("coreactants").As<Napi::Array>();
  try {
    for (uint32_t i = 0; i < coreactants.Length(); i++) {
      rules->coreactants.push_back(prepared(coreactants.Get(i).As<Napi::String>(), *rules));
    }
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, error.what());
  }
  for (uint32_t i = 0; i < smarts.Length(); i++) {
    const std::string text = smarts.Get(i).As<Napi::String>();
    std::string reason;
    try {
      std::unique_ptr<RDKit::ChemicalReaction> reaction(RDKit::RxnSmartsToChemicalReaction(text));
      if (reaction) {
        reaction->initReactantMatchers();
        rules->reactions.push_back(std::move(reaction));
        continue;
      }
      reason = "RDKit could not parse the reaction SMARTS";
    } catch (const std::exception& error) {
      reason = error.what();
    } catch (...) {
      reason = "RDKit threw a non-standard exception";
    }
    Napi::Error error = Napi::Error::New(env, reason);
    error.Set("index", Napi::Number::New(env, i));
    throw error;
  }
  return Napi::External<RuleSet>::New(env, rules.release(), [](Napi::Env, RuleSet* rules) { delete rules; });
}

// Every rule on the molecule of `key`, prepared as the rule set asks. Returns the distinct raw SMILES of the
// candidates in the order first seen, each with the first rule that wrote it and how many candidates wrote it, and
// the number of candidates RDKit could not write as SMILES (invalid); with `edges`, distinct per rule, since each
// rule's product is an edge of its own. Throws when RDKit throws on the molecule.
Napi::Value Expand(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RuleSet* rules = info[0].As<Napi::External<RuleSet>>().Data();
  const std::string key = info[1].As<Napi::String>();
  std::vector<std::string> raws;
  std::vector<uint32_t> firstRule;
  std::vector<uint32_t> counts;
  uint32_t unwritable = 0;
  // Product sets of rules with coreactants, each judged as a whole by the caller: its rule, its size, and each
  // product's raw SMILES (none when RDKit cannot write it) and formal charge.
  std::vector<uint32_t> setRules;
  std::vector<uint32_t> setSizes;
  std::vector<std::optional<std::string>> setRaws;
  std::vector<int32_t> setCharges;
  try {
    const RDKit::ROMOL_SPTR molecule = prepared(key, *rules);
    const RDKit::MOL_SPTR_VECT reactants{molecule};
    std::unordered_map<std::string, uint32_t> seen;
    for (uint32_t rule = 0; rule < rules->reactions.size(); rule++) {
      if (!rules->slots[rule].empty()) {
        RDKit::MOL_SPTR_VECT tuple;
        for (const int32_t slot : rules->slots[rule]) tuple.push_back(slot == kAnySlot ? molecule : rules->coreactants[slot]);
        for (const auto& productSet : rules->reactions[rule]->runReactants(tuple, rules->maxProductSets)) {
          setRules.push_back(rule);
          setSizes.push_back(productSet.size());
          for (size_t j = 0; j < productSet.size(); j++) {
            const auto& product = productSet[j];
            int charge = 0;
            for (const auto atom : product->atoms()) charge += atom->getFormalCharge();
            setCharges.push_back(charge);
            // A coreactant's product counts by its charge and its name alone: writing its SMILES (NADH, ATP, ...)
            // would cost more than the rest of the set.
            if (j >= rules->anyProducts[rule].size() || !rules->anyProducts[rule][j]) {
              setRaws.push_back(std::nullopt);
              continue;
            }
            try {
              setRaws.push_back(RDKit::MolToSmiles(*product));
            } catch (...) {
              setRaws.push_back(std::nullopt);
            }
          }
        }
        continue;
      }
      if (rules->edges) seen.clear();
      const auto productSets = rules->reactions[rule]->runReactants(reactants, rules->maxProductSets);
      for (const auto& productSet : productSets) {
        for (const auto& product : productSet) {
          std::string raw;
          try {
            raw = RDKit::MolToSmiles(*product);
          } catch (...) {
            unwritable++;
            continue;
          }
          auto [at, fresh] = seen.try_emplace(raw, static_cast<uint32_t>(raws.size()));
          if (fresh) {
            raws.push_back(raw);
            firstRule.push_back(rule);
            counts.push_back(1);
          } else {
            counts[at->second]++;
          }
        }
      }
    }
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, error.what());
  } catch (...) {
    throw Napi::Error::New(env, "RDKit threw a non-standard exception");
  }
  Napi::Array rawList = Napi::Array::New(env, raws.size());
  Napi::Uint32Array ruleList = Napi::Uint32Array::New(env, raws.size());
  Napi::Uint32Array countList = Napi::Uint32Array::New(env, raws.size());
  for (size_t i = 0; i < raws.size(); i++) {
    rawList.Set(i, raws[i]);
    ruleList[i] = firstRule[i];
    countList[i] = counts[i];
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("raws", rawList);
  out.Set("rules", ruleList);
  out.Set("counts", countList);
  out.Set("unwritable", unwritable);
  Napi::Uint32Array setRuleList = Napi::Uint32Array::New(env, setRules.size());
  Napi::Uint32Array setSizeList = Napi::Uint32Array::New(env, setSizes.size());
  for (size_t i = 0; i < setRules.size(); i++) {
    setRuleList[i] = setRules[i];
    setSizeList[i] = setSizes[i];
  }
  Napi::Array setRawList = Napi::Array::New(env, setRaws.size());
  Napi::Int32Array setChargeList = Napi::Int32Array::New(env, setCharges.size());
  for (size_t i = 0; i < setRaws.size(); i++) {
    setRawList.Set(i, setRaws[i].has_value() ? Napi::Value(Napi::String::New(env, *setRaws[i])) : env.Null());
    setChargeList[i] = setCharges[i];
  }
  out.Set("setRules", setRuleList);
  out.Set("setSizes", setSizeList);
  out.Set("setRaws", setRawList);
  out.Set("setCharges", setChargeList);
  return out;
}

// The molecule drawn as SVG by RDKit's own depiction (as the WebAssembly build's get_svg draws it), or null.
Napi::Value Draw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string text = info[0].As<Napi::String>();
  const int width = info[1].As<Napi::Number>().Int32Value();
  const int height = info[2].As<Napi::Number>().Int32Value();
  try {
    std::unique_ptr<RDKit::RWMol> mol(parse(text));
    if (!mol) return env.Null();
    RDKit::MolDraw2DSVG drawer(width, height);
    RDKit::MolDraw2DUtils::prepareAndDrawMolecule(drawer, *mol);
    drawer.finishDrawing();
    return Napi::String::New(env, drawer.getDrawingText());
  } catch (...) {
    return env.Null();
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("rdkitVersion", Napi::String::New(env, RDKit::rdkitVersion));
  exports.Set("canonicalize", Napi::Function::New(env, Canonicalize));
  exports.Set("keyOfRaw", Napi::Function::New(env, KeyOfRaw));
  exports.Set("compose", Napi::Function::New(env, Compose));
  exports.Set("loadRules", Napi::Function::New(env, LoadRules));
  exports.Set("expand", Napi::Function::New(env, Expand));
  exports.Set("draw", Napi::Function::New(env, Draw));
  return exports;
}

}  // namespace

NODE_API_MODULE(rdkit_native, Init)

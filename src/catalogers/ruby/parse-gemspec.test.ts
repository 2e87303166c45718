import { test } from "node:test";
import assert from "node:assert/strict";
import picomatch from "picomatch";
import type { GemMetadata, PackageMetadata } from "../../model/package.ts";
import { rubyGemspec } from "./index.ts";
import { maxListItems, parseGemspec } from "./parse-gemspec.ts";

const parse = (text: string) => parseGemspec(Buffer.from(text));

function gem(metadata: PackageMetadata | undefined): GemMetadata {
  assert.ok(metadata?.kind === "gem");
  return metadata;
}

// What `gem install` writes to specifications/ (Gem::Specification#to_ruby), for a gem with native code.
const nokogiri = `# -*- encoding: utf-8 -*-
# stub: nokogiri 1.15.4 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "nokogiri".freeze
  s.version = "1.15.4"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/sparklemotion/nokogiri/issues", "rubygems_mfa_required" => "true" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Mike Dalessio".freeze, "Aaron Patterson".freeze, "Yoko Harada".freeze]
  s.bindir = "bin".freeze
  s.date = "2023-08-11"
  s.description = "Nokogiri (\\u92F8) makes it easy and painless to work with XML and HTML from Ruby.".freeze
  s.executables = ["nokogiri".freeze]
  s.files = ["bin/nokogiri".freeze]
  s.homepage = "https://nokogiri.org".freeze
  s.licenses = ["MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new([">= 2.7".freeze, "< 3.3.dev".freeze])
  s.rubygems_version = "3.4.10".freeze
  s.summary = "Nokogiri (\\u92F8) makes it easy and painless to work with XML and HTML from Ruby.".freeze

  s.installed_by_version = "3.4.10" if s.respond_to? :installed_by_version

  s.specification_version = 4

  s.add_runtime_dependency(%q<racc>.freeze, ["~> 1.4"])
end
`;

test("reads an installed specification: name, version, purl, licenses, metadata", () => {
  const { packages, issues } = parse(nokogiri);
  assert.deepEqual(issues, []);
  assert.equal(packages.length, 1);
  const [pkg] = packages;
  assert.ok(pkg);
  assert.equal(pkg.name, "nokogiri");
  assert.equal(pkg.version, "1.15.4");
  assert.equal(pkg.purl, "pkg:gem/nokogiri@1.15.4");
  assert.deepEqual(pkg.licenses, ["MIT"]);
  assert.deepEqual(gem(pkg.metadata), {
    kind: "gem",
    authors: ["Mike Dalessio", "Aaron Patterson", "Yoko Harada"],
    homepage: "https://nokogiri.org",
    summary: "Nokogiri (\u92F8) makes it easy and painless to work with XML and HTML from Ruby.",
    files: ["bin/nokogiri"],
    platform: "x86_64-linux",
  });
});

test("any block variable; comments; singular license; a string assigned to licenses is not read", () => {
  const spec = (body: string) => `Gem::Specification.new do | gemspec |\n${body}\nend\n`;
  const singular = parse(
    spec('  gemspec.name = "async" # the name\n  gemspec.version = "1.25.0"\n  gemspec.license = "MIT"'),
  );
  assert.deepEqual(singular.issues, []);
  assert.deepEqual(singular.packages[0]?.licenses, ["MIT"]);
  const stringLicenses = parse(
    spec('  gemspec.name = "async"\n  gemspec.version = "1.25.0"\n  gemspec.licenses = "MIT" # invalid'),
  );
  assert.deepEqual(stringLicenses.issues, []);
  assert.deepEqual(stringLicenses.packages[0]?.licenses, []);
  // Assignments to another variable are not the specification's.
  const other = parse(spec('  s.name = "async"\n  s.version = "1.25.0"'));
  assert.deepEqual(other, { packages: [], issues: ["no gem name (gemspec.name)"] });
});

test("brace blocks, constructor arguments, Gem::Version, %q, %w and single quotes", () => {
  const braces = parse(`Gem::Specification.new { |s|
    s.name = %q{rack}
    s.version = Gem::Version.new("3.0.8")
    s.authors = %w[Leah\tNeukirchen Someone]
    s.homepage = 'https://github.com/rack/rack\\'s'
  }`);
  assert.deepEqual(braces.issues, []);
  assert.equal(braces.packages[0]?.name, "rack");
  assert.equal(braces.packages[0]?.version, "3.0.8");
  assert.deepEqual(gem(braces.packages[0]?.metadata).authors, ["Leah", "Neukirchen", "Someone"]);
  assert.equal(gem(braces.packages[0]?.metadata).homepage, "https://github.com/rack/rack's");

  const args = parse('Gem::Specification.new("json", "2.6.3") do |s|\n  s.summary = "JSON"\nend\n');
  assert.deepEqual(
    args.packages.map((p) => [p.name, p.version]),
    [["json", "2.6.3"]],
  );
});

test("interpolation of the name and version resolves; anything else leaves the value out", () => {
  const { packages, issues } = parse(`Gem::Specification.new do |s|
  s.name = "formatador".freeze
  s.version = "1.1.0"
  s.homepage = "https://github.com/geemus/#{s.name}/tree/v#{s.version}".freeze
  s.summary = "built #{Time.now}"
end`);
  assert.deepEqual(issues, []);
  assert.equal(gem(packages[0]?.metadata).homepage, "https://github.com/geemus/formatador/tree/v1.1.0");
  assert.equal(gem(packages[0]?.metadata).summary, undefined);

  const unknownName = parse('Gem::Specification.new do |s|\n  s.name = "#{prefix}-x"\n  s.version = "1.0"\nend\n');
  assert.deepEqual(unknownName, { packages: [], issues: ["no gem name (s.name)"] });
});

test("escapes in double-quoted strings", () => {
  const { packages } = parse(
    'Gem::Specification.new do |s|\n  s.name = "x"\n  s.version = "1"\n  s.authors = ["Andr\\u00E9", "\\u{1F600} \\x41\\tB", "q\\"uote\\\\"]\nend\n',
  );
  assert.deepEqual(gem(packages[0]?.metadata).authors, ["André", "\u{1F600} A\tB", 'q"uote\\']);
});

test("multi-line arrays, heredocs, =begin comments and look-alikes in strings and comments", () => {
  const { packages, issues } = parse(`# s.version = "9.9.9"
Gem::Specification.new do |spec|
  spec.name          = "example"
  spec.version       = "0.3.0"
  spec.description   = <<~DESC
    spec.version = "6.6.6"
    Interpolated #{spec.name}.
  DESC
  spec.summary = "spec.version = '7.7.7'"
=begin
  spec.version = "8.8.8"
=end
  spec.files = [
    "lib/example.rb", # main
    "README.md",
  ]
  spec.licenses = %w[MIT Apache-2.0]
  spec.metadata["homepage_uri"] = spec.homepage
  spec.files.reject! { |f| f =~ /^(test|spec)\\// }
end
__END__
spec.version = "5.5.5"
`);
  assert.deepEqual(issues, []);
  assert.equal(packages[0]?.version, "0.3.0");
  assert.deepEqual(packages[0]?.licenses, ["MIT", "Apache-2.0"]);
  assert.deepEqual(gem(packages[0]?.metadata).files, ["lib/example.rb", "README.md"]);
  assert.equal(gem(packages[0]?.metadata).summary, "spec.version = '7.7.7'");
});

test("the last assignment wins; an expression that is not a plain literal is unknown", () => {
  const last = parse(
    'Gem::Specification.new do |s|\n  s.name = "a"\n  s.version = "1.0"\n  s.version = "1.1" if true\nend\n',
  );
  assert.equal(last.packages[0]?.version, "1.1");
  const computed = parse('Gem::Specification.new do |s|\n  s.name = "a"\n  s.version = "1.0" + SUFFIX\nend\n');
  assert.deepEqual(computed, { packages: [], issues: ["gem a: no version (s.version)"] });
  const licenses = parse(
    'Gem::Specification.new do |s|\n  s.name = "a"\n  s.version = "1"\n  s.licenses = ["MIT"]\n  s.license = "GPL-2.0"\n  s.licenses = ["Ruby", "BSD-2-Clause"]\nend\n',
  );
  assert.deepEqual(licenses.packages[0]?.licenses, ["Ruby", "BSD-2-Clause"]);
  const constant = parse('Gem::Specification.new do |s|\n  s.name = "a"\n  s.version = A::VERSION\nend\n');
  assert.deepEqual(constant.issues, ["gem a: no version (s.version)"]);
});

test("malformed specifications are issues, never throws", () => {
  assert.deepEqual(parse('spec.name = "a"\nspec.version = "1"\n'), {
    packages: [],
    issues: ["no Gem::Specification.new block"],
  });
  assert.deepEqual(parse('Gem::Specification.new do |s|\n  s.name = ""\n  s.version = "1.0"\nend\n').issues, [
    "no gem name (s.name)",
  ]);
  assert.deepEqual(parse('Gem::Specification.new do |s|\n  s.name = "a b"\n  s.version = "1.0"\nend\n').issues, [
    'invalid gem name "a b"',
  ]);
  assert.deepEqual(parse('Gem::Specification.new do |s|\n  s.name = "a"\n  s.version = "1.0 beta"\nend\n').issues, [
    'gem a: invalid version "1.0 beta"',
  ]);
  // Truncated and garbled input.
  const garbage = [
    'Gem::Specification.new do |s|\n  s.name = "unterminated',
    "Gem::Specification.new do |s|\n  s.name = %q{open\n  s.files = [[[[[[[[[[[[",
    "Gem::Specification.new do |s|\n  s.files = <<~EOS\n",
    "Gem::Specification.new do |",
    '"#{"#{"#{',
    "\u0000\uFFFD%w[ %q( <<- / ? : ::",
  ];
  for (const text of garbage) {
    const result = parse(text);
    assert.equal(result.packages.length, 0);
    assert.equal(result.issues.length, 1, text);
  }
});

test("a list longer than the cap is cut, with an issue", () => {
  const files = Array.from({ length: maxListItems + 5 }, (_, i) => `"f${i}"`).join(", ");
  const { packages, issues } = parse(
    `Gem::Specification.new do |s|\n  s.name = "big"\n  s.version = "1.0"\n  s.files = [${files}]\nend\n`,
  );
  assert.equal(gem(packages[0]?.metadata).files?.length, maxListItems);
  assert.deepEqual(issues, [`s.files: more than ${maxListItems} items, the rest left out`]);
});

test("cataloger: installed and default gem specifications only", () => {
  // As the scanner matches globs: against the path without its leading "/".
  const wanted = (path: string): boolean =>
    (rubyGemspec.wants.globs ?? []).some((glob) => picomatch(glob.replace(/^\/+/, ""), { dot: true })(path.slice(1)));
  assert.ok(wanted("/usr/local/bundle/specifications/rake-13.0.3.gemspec"));
  assert.ok(wanted("/usr/local/lib/ruby/gems/3.2.0/specifications/default/json-2.6.3.gemspec"));
  assert.ok(wanted("/var/lib/gems/3.1.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec"));
  assert.ok(!wanted("/app/example.gemspec"));
  assert.ok(!wanted("/usr/local/bundle/gems/rake-13.0.3/rake.gemspec"));
});

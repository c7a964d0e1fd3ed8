#!/usr/bin/perl
# tools/pgxn_meta_check.pl [META.json [DIR]]: check a PGXN META.json against
# the PGXN Meta Spec 1.0.0 (https://pgxn.org/spec/): required keys, types,
# semantic versions, license strings, provides (whose files must exist
# under DIR, default the META.json's directory), prereqs, resources, tags,
# no_index, and custom keys (x_...).  No validator is packaged by Debian
# (PGXN::Meta::Validator is not), so the spec's rules are written out here.
# Prints one line per problem; exits 1 if there is any.
use strict;
use warnings;
use B ();
use JSON::PP;
use File::Basename qw(dirname);

my $file = shift // 'META.json';
my $dir = shift // dirname($file);
my @problems;
sub problem { push @problems, join('', @_) }

open my $fh, '<:raw', $file or die "$file: $!\n";
my $text = do { local $/; <$fh> };
my $meta = eval { JSON::PP->new->utf8->relaxed(0)->decode($text) };
if (!defined $meta) {
    print "$file: not valid JSON: $@";
    exit 1;
}

# A JSON string (not a number: perl keeps which of the two was decoded).
sub is_str {
    my $v = shift;
    return 0 if !defined $v || ref $v;
    my $flags = B::svref_2object(\$v)->FLAGS;
    return ($flags & B::SVp_POK) || !($flags & (B::SVp_IOK | B::SVp_NOK));
}
sub is_obj { ref $_[0] eq 'HASH' }
sub is_arr { ref $_[0] eq 'ARRAY' }

# Semantic Version 1.0.0, as the spec requires: MAJOR.MINOR.PATCH without
# leading zeros, optionally followed by a pre-release tag.
sub is_semver {
    my $v = shift;
    is_str($v) && $v =~ /^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-?[a-zA-Z][0-9a-zA-Z-]*)?$/;
}
# A term: at least two characters, no whitespace, slash, backslash or control.
sub is_term { my $v = shift; is_str($v) && length($v) >= 2 && $v !~ m{[\s/\\[:cntrl:]]} }
# A tag: one to 255 characters, no slash, backslash or control character.
sub is_tag { my $v = shift; is_str($v) && length($v) >= 1 && length($v) <= 255 && $v !~ m{[/\\[:cntrl:]]} }
# A version range: 0, a version, or comma-separated "op version" clauses.
sub is_range {
    my $v = shift;
    return 1 if defined $v && !ref $v && "$v" eq '0';
    return 0 unless is_str($v);
    for my $clause (split /\s*,\s*/, $v) {
        return 0 unless $clause =~ /^(?:(?:==|!=|>=|<=|>|<)\s*)?(.+)$/ && is_semver($1);
    }
    return 1;
}
sub is_uri { my $v = shift; is_str($v) && $v =~ m{^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$} }

my %licenses = map { $_ => 1 } qw(
    agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd gfdl_1_2
    gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1
    openssl perl_5 postgresql qpl_1_0 ssleay sun zlib open_source restricted
    unrestricted unknown);

my %known = map { $_ => 1 } qw(name version abstract maintainer license provides
    meta-spec description generated_by tags no_index prereqs release_status resources);

problem("not an object") unless is_obj($meta);
exit_report() unless is_obj($meta);

for my $key (qw(name version abstract maintainer license provides meta-spec)) {
    problem("required key \"$key\" is missing") unless exists $meta->{$key};
}
for my $key (sort keys %$meta) {
    problem("unknown key \"$key\" (custom keys start with x_ or X_)")
        unless $known{$key} || $key =~ /^[xX]_/;
}

problem("name must be a term (2+ characters, no whitespace, slash or backslash)")
    if exists $meta->{name} && !is_term($meta->{name});
problem("version \"", $meta->{version} // 'null', "\" is not a semantic version (1.0.0)")
    if exists $meta->{version} && !is_semver($meta->{version});
problem("abstract must be a non-empty string")
    if exists $meta->{abstract} && !(is_str($meta->{abstract}) && length $meta->{abstract});
for my $key (qw(description generated_by)) {
    problem("$key must be a string") if exists $meta->{$key} && !is_str($meta->{$key});
}

if (exists $meta->{maintainer}) {
    my $m = $meta->{maintainer};
    my @m = is_arr($m) ? @$m : ($m);
    problem("maintainer must be a string or a non-empty array of strings")
        if !@m || grep { !(is_str($_) && length $_) } @m;
}

if (exists $meta->{license}) {
    my $l = $meta->{license};
    if (is_obj($l)) {
        problem("license object must not be empty") unless %$l;
        problem("license \"$_\" must map to a URI") for grep { !is_uri($l->{$_}) } sort keys %$l;
    } else {
        my @l = is_arr($l) ? @$l : ($l);
        problem("license must be a string, an array of strings or an object") if !@l;
        for (@l) {
            problem("license \"", $_ // 'null', "\" is not one of the spec's license strings")
                unless is_str($_) && $licenses{$_};
        }
    }
}

if (exists $meta->{'meta-spec'}) {
    my $ms = $meta->{'meta-spec'};
    if (!is_obj($ms)) {
        problem("meta-spec must be an object");
    } else {
        problem("meta-spec version must be \"1.0.0\"")
            unless is_str($ms->{version}) && $ms->{version} eq '1.0.0';
        problem("meta-spec url must be a URI") if exists $ms->{url} && !is_uri($ms->{url});
        problem("unknown key \"meta-spec.$_\"") for grep { !/^(?:version|url|[xX]_.*)$/ } sort keys %$ms;
    }
}

if (exists $meta->{provides}) {
    my $p = $meta->{provides};
    if (!is_obj($p) || !%$p) {
        problem("provides must be a non-empty object");
    } else {
        for my $ext (sort keys %$p) {
            my $e = $p->{$ext};
            problem("provides key \"$ext\" must be a term") unless is_term($ext);
            if (!is_obj($e)) { problem("provides.$ext must be an object"); next; }
            problem("provides.$ext.file is required") unless exists $e->{file};
            problem("provides.$ext.version is required") unless exists $e->{version};
            problem("provides.$ext.version is not a semantic version")
                if exists $e->{version} && !is_semver($e->{version});
            for my $k (qw(file docfile)) {
                next unless exists $e->{$k};
                if (!is_str($e->{$k})) { problem("provides.$ext.$k must be a string"); next; }
                problem("provides.$ext.$k: $e->{$k} does not exist") unless -f "$dir/$e->{$k}";
            }
            problem("provides.$ext.abstract must be a string")
                if exists $e->{abstract} && !is_str($e->{abstract});
            problem("unknown key \"provides.$ext.$_\"")
                for grep { !/^(?:file|version|abstract|docfile|[xX]_.*)$/ } sort keys %$e;
        }
    }
}

if (exists $meta->{tags}) {
    my $t = $meta->{tags};
    if (!is_arr($t) || !@$t) { problem("tags must be a non-empty array") }
    else { problem("tag \"", $_ // 'null', "\" is not a tag") for grep { !is_tag($_) } @$t }
}

if (exists $meta->{no_index}) {
    my $n = $meta->{no_index};
    if (!is_obj($n)) { problem("no_index must be an object") }
    else {
        for my $k (sort keys %$n) {
            if ($k !~ /^(?:file|directory|[xX]_.*)$/) { problem("unknown key \"no_index.$k\""); next; }
            my @v = is_arr($n->{$k}) ? @{ $n->{$k} } : ($n->{$k});
            problem("no_index.$k must be a string or an array of strings") if grep { !is_str($_) } @v;
        }
    }
}

if (exists $meta->{prereqs}) {
    my $pr = $meta->{prereqs};
    if (!is_obj($pr)) { problem("prereqs must be an object") }
    else {
        for my $phase (sort keys %$pr) {
            if ($phase !~ /^(?:configure|build|test|runtime|develop|[xX]_.*)$/) {
                problem("prereqs phase \"$phase\" is not configure, build, test, runtime or develop");
                next;
            }
            my $rel = $pr->{$phase};
            if (!is_obj($rel)) { problem("prereqs.$phase must be an object"); next; }
            for my $r (sort keys %$rel) {
                if ($r !~ /^(?:requires|recommends|suggests|conflicts|[xX]_.*)$/) {
                    problem("prereqs.$phase relationship \"$r\" is not requires, recommends, suggests or conflicts");
                    next;
                }
                my $deps = $rel->{$r};
                if (!is_obj($deps)) { problem("prereqs.$phase.$r must be an object"); next; }
                for my $d (sort keys %$deps) {
                    problem("prereqs.$phase.$r.$d: \"", $deps->{$d} // 'null', "\" is not a version range")
                        unless is_range($deps->{$d});
                }
            }
        }
    }
}

if (exists $meta->{release_status}) {
    problem("release_status must be stable, testing or unstable")
        unless is_str($meta->{release_status}) && $meta->{release_status} =~ /^(?:stable|testing|unstable)$/;
}

if (exists $meta->{resources}) {
    my $r = $meta->{resources};
    if (!is_obj($r)) { problem("resources must be an object") }
    else {
        for my $k (sort keys %$r) {
            my $v = $r->{$k};
            if ($k eq 'homepage') { problem("resources.homepage must be a URI") unless is_uri($v) }
            elsif ($k eq 'bugtracker' || $k eq 'repository') {
                if (!is_obj($v)) { problem("resources.$k must be an object"); next; }
                my %allowed = $k eq 'bugtracker' ? (web => 1, mailto => 1) : (url => 1, web => 1, type => 1);
                for my $kk (sort keys %$v) {
                    if (!$allowed{$kk} && $kk !~ /^[xX]_/) { problem("unknown key \"resources.$k.$kk\""); next; }
                    problem("resources.$k.$kk must be a string") unless is_str($v->{$kk});
                }
            }
            elsif ($k !~ /^[xX]_/) { problem("unknown key \"resources.$k\"") }
        }
    }
}

exit_report();

sub exit_report {
    if (@problems) {
        print "$file: $_\n" for @problems;
        exit 1;
    }
    print "$file: valid PGXN META (spec 1.0.0)\n";
    exit 0;
}

#!/usr/bin/perl
# test/core_regress/compare.pl: compare two result sets of PostgreSQL's core
# regression suite, one run plain and one guarded (schema_guard preloaded,
# created, mode = warn), and fail on every difference the guard cannot
# legitimately cause.  Used by test/t_core_regress.sh.
#
#   compare.pl --rules RULES_FILE [--allow ALLOW_FILE] PLAIN_DIR GUARDED_DIR
#
# For each results/TEST.out of either run, `diff` aligns the plain output with
# the guarded one.  A difference is explained when it is
#  (a) one of the guard's own messages, only in the guarded output: a line
#      "WARNING:  RULE: ..." (or "WARNING:  01000: RULE: ..." in verbose mode)
#      whose RULE is a line of RULES_FILE (SELECT rule FROM
#      schema_guard.rules()), with the lines after it up to the next line of
#      another message: its DETAIL, HINT, CONTEXT and LOCATION lines and their
#      continuation lines;
#  (b) a catalog listing that now shows the extension's own objects: rows only
#      in the guarded output that name schema_guard (its schema, functions,
#      tables, event triggers), and the listing's "(N rows)" footer changed
#      by exactly the number of those rows.
# ALLOW_FILE names known differences, one per line "TEST SIDE REGEX": SIDE
# "+" leaves out the guarded-only lines of TEST matching REGEX (inside a
# result, like the rows of (b): its footer is compared less those rows), "-"
# the plain-only ones.  Then the two outputs are compared blind to the padding
# of aligned tables (the extension's rows widen columns).  Whatever still
# differs is printed and the exit status is 1.  Allow-list entries that
# matched nothing are reported (the cause is gone: remove them).
use strict;
use warnings;
use Getopt::Long;

my ($rules_file, $allow_file);
GetOptions('rules=s' => \$rules_file, 'allow=s' => \$allow_file) && @ARGV == 2
  or die "usage: $0 --rules FILE [--allow FILE] PLAIN_DIR GUARDED_DIR\n";
my ($plain, $guarded) = @ARGV;

open my $rf, '<', $rules_file or die "$rules_file: $!\n";
my @rules = grep { /\S/ } map { s/\s+$//r } <$rf>;
close $rf;
@rules or die "$rules_file lists no rule\n";
my $rule_re = join '|', map { quotemeta } @rules;
my $guard_warning = qr/^WARNING:  (?:[0-9A-Z]{5}: )?(?:$rule_re): /;
# The first line of any message psql prints (a new message ends the last one).
my $message_start = qr/^(?:ERROR|WARNING|NOTICE|INFO|LOG|DEBUG[1-5]?|FATAL|PANIC):  /;
my $field = qr/^(?:DETAIL|HINT|CONTEXT|LOCATION):  /;
my $footer = qr/^\((\d+) rows?\)$/;
my $extension_object = qr/\bschema_guard/;

my @allow;
if (defined $allow_file) {
	open my $af, '<', $allow_file or die "$allow_file: $!\n";
	while (<$af>) {
		chomp;
		next if /^\s*(#|$)/;
		my ($test, $side, $re) = /^(\S+)\s+([-+])\s+(.*)$/
		  or die "$allow_file:$.: expected \"TEST +|- REGEX\"\n";
		push @allow, { test => $test, side => $side, re => qr/$re/, line => $., used => 0 };
	}
	close $af;
}

sub read_lines {
	my ($file) = @_;
	open my $fh, '<', $file or die "$file: $!\n";
	my @l = map { s/\r?\n$//r } <$fh>;
	close $fh;
	return \@l;
}

# The alignment of two files as a list of [op, plain_line_no, guarded_line_no]
# with op ' ' (same), '-' (plain only), '+' (guarded only); line numbers from 1.
sub align {
	my ($pf, $gf, $np, $ng) = @_;
	my @ops;
	my ($i, $j) = (1, 1);
	open my $d, '-|', 'diff', '--minimal', $pf, $gf or die "diff: $!\n";
	while (<$d>) {
		my ($a1, $a2, $op, $b1, $b2) = /^(\d+)(?:,(\d+))?([acd])(\d+)(?:,(\d+))?$/ or next;
		$a2 //= $a1;
		$b2 //= $b1;
		# "a" and "d" name the line before the change on the other side.
		my ($pfrom, $pto) = $op eq 'a' ? ($a1 + 1, $a1) : ($a1, $a2);
		my ($gfrom, $gto) = $op eq 'd' ? ($b1 + 1, $b1) : ($b1, $b2);
		push @ops, [' ', $i++, $j++] while $i < $pfrom;
		push @ops, ['-', $i++, undef] while $i <= $pto;
		push @ops, ['+', undef, $j++] while $j <= $gto;
	}
	close $d;
	push @ops, [' ', $i++, $j++] while $i <= $np;
	return \@ops;
}

my $failed = 0;
my ($explained_messages, $explained_rows) = (0, 0);

sub allowed {
	my ($test, $side, $text) = @_;
	for my $a (@allow) {
		next unless $a->{test} eq $test && $a->{side} eq $side && $text =~ $a->{re};
		$a->{used}++;
		return 1;
	}
	return 0;
}

my %tests;
for my $dir ($plain, $guarded) {
	opendir my $dh, "$dir/results" or die "$dir/results: $!\n";
	$tests{$_ =~ s/\.out$//r} = 1 for grep { /\.out$/ } readdir $dh;
	closedir $dh;
}

for my $test (sort keys %tests) {
	my ($pf, $gf) = ("$plain/results/$test.out", "$guarded/results/$test.out");
	if (!-f $pf || !-f $gf) {
		print "not ok - $test: results only in the " . (-f $pf ? 'plain' : 'guarded') . " run\n";
		$failed++;
		next;
	}
	my ($p, $g) = (read_lines($pf), read_lines($gf));
	my $ops = align($pf, $gf, scalar @$p, scalar @$g);

	# (a): guarded-only runs of lines that are guard messages.
	my %drop;               # guarded line numbers left out of the comparison
	my $in_message = 0;
	my $seen_field = 0;
	for my $op (@$ops) {
		my ($kind, undef, $gi) = @$op;
		if ($kind ne '+') {
			$in_message = 0;
			next;
		}
		my $l = $g->[$gi - 1];
		if ($l =~ $guard_warning) {
			($in_message, $seen_field) = (1, 0);
			$drop{$gi} = 'a';
			$explained_messages++;
		} elsif ($in_message && $l !~ $message_start && ($l =~ $field || $seen_field)) {
			$seen_field = 1;
			$drop{$gi} = 'a';
		} else {
			$in_message = 0;
		}
	}

	# (b): guarded-only rows naming the extension's objects, inside a result
	# that ends with a "(N rows)" footer; that footer is then compared with
	# N minus those rows.  Rows of a block (up to an empty line) that has no
	# footer are kept, and so not explained.  Allow-listed guarded-only lines
	# are left out too, and count like rows when a footer follows.
	my %guarded_only = map { $_->[0] eq '+' ? ($_->[2] => 1) : () } @$ops;
	my %footer_less;        # guarded footer line -> rows it now lists beyond plain
	my @pending;            # [line, allow-listed?]
	for my $gi (1 .. @$g) {
		my $l = $g->[$gi - 1];
		next if $drop{$gi};
		if ($guarded_only{$gi} && allowed($test, '+', $l)) {
			push @pending, [$gi, 1];
		} elsif ($guarded_only{$gi} && $l =~ $extension_object && $l !~ $message_start && $l !~ $field) {
			push @pending, [$gi, 0];
		} elsif ($l =~ $footer || $l eq '') {
			for my $r (@pending) {
				next unless $r->[1] || $l ne '';
				$drop{ $r->[0] } = 'b';
				$footer_less{$gi}++ if $l ne '';
				$explained_rows++ if $l ne '' && !$r->[1];
			}
			@pending = ();
		}
	}
	$drop{ $_->[0] } = 'b' for grep { $_->[1] } @pending;
	my %plain_only = map { $_->[0] eq '-' ? ($_->[1] => 1) : () } @$ops;
	my @pkeep = grep { !($plain_only{$_} && allowed($test, '-', $p->[$_ - 1])) } 1 .. @$p;

	# Compare what is left, blind to the padding of aligned tables (rows of
	# the extension widen columns).
	my $norm = sub {
		my ($l, $less) = @_;
		return '(' . ($1 - $less) . ' rows)' if $l =~ $footer;
		return '-' if $l =~ /^[-+]+$/;
		return join '|', map { s/^\s+|\s+$//gr } split /\|/, $l, -1;
	};
	my @gkeep = grep { !$drop{$_} } 1 .. @$g;
	my ($tp, $tg) = ("$pf.norm", "$gf.norm");
	open my $fp, '>', $tp or die "$tp: $!\n";
	print $fp $norm->($p->[$_ - 1], 0), "\n" for @pkeep;
	close $fp;
	open my $fg, '>', $tg or die "$tg: $!\n";
	print $fg $norm->($g->[$_ - 1], $footer_less{$_} // 0), "\n" for @gkeep;
	close $fg;
	my $nops = align($tp, $tg, scalar @pkeep, scalar @gkeep);
	unlink $tp, $tg;

	# Unexplained: what still differs.
	my @bad;
	my ($lastp, $lastg) = (0, 0);
	for my $k (0 .. $#$nops) {
		my ($kind, $ni, $nj) = @{ $nops->[$k] };
		my $pi = defined $ni ? $pkeep[$ni - 1] : undef;
		my $gi = defined $nj ? $gkeep[$nj - 1] : undef;
		if ($kind eq ' ') {
			($lastp, $lastg) = ($pi, $gi);
			next;
		}
		my $text = $kind eq '+' ? $g->[$gi - 1] : $p->[$pi - 1];
		push @bad, [$k, $kind, $text, $pi // $lastp, $gi // $lastg, $lastp];
		($lastp, $lastg) = ($pi // $lastp, $gi // $lastg);
	}
	next unless @bad;
	$failed++;
	print "not ok - $test: " . scalar(@bad) . " unexplained line(s) (- plain only, + guarded only)\n";
	my $prev = -2;
	for my $b (@bad) {
		my ($k, $kind, $text, $pi, $gi, $ctx) = @$b;
		if ($k != $prev + 1) {
			print "  @@ results/$test.out, plain line $pi, guarded line $gi, after:\n";
			print "     " . $p->[$ctx - 1] . "\n" if $ctx > 0;
		}
		print "   $kind $text\n";
		$prev = $k;
	}
}

for my $a (@allow) {
	next if $a->{used};
	print "# note: allow-list line $a->{line} ($a->{test} $a->{side} $a->{re}) matched nothing: remove it\n";
}
printf "# %d tests compared; explained: %d guard messages, %d extension rows in listings\n",
  scalar(keys %tests), $explained_messages, $explained_rows;
if ($failed) {
	print "not ok - $failed test(s) differ plain vs guarded beyond the guard's own messages\n";
	exit 1;
}
print "ok - plain and guarded runs differ only by the guard's messages and its own catalog rows\n";
exit 0;

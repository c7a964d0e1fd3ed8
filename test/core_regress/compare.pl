#!/usr/bin/perl
# test/core_regress/compare.pl: compare two result sets of PostgreSQL's core
# regression suite, one run plain and one guarded (schema_guard preloaded,
# created, mode = warn), and fail on every difference the guard cannot
# legitimately cause.  Used by test/t_core_regress.sh.
#
#   compare.pl --rules RULES_FILE --log SERVER_LOG [--allow ALLOW_FILE] PLAIN_DIR GUARDED_DIR
#
# For each results/TEST.out of either run, a difference between the plain and
# the guarded output is explained when it is
#  (a) one of the guard's own messages, in the guarded output: a line
#      "WARNING:  RULE: ..." (or "WARNING:  01000: RULE: ..." in verbose mode)
#      whose RULE is a line of RULES_FILE (SELECT rule FROM
#      schema_guard.rules()), followed by its DETAIL, HINT and CONTEXT fields
#      (those psql shows) and a LOCATION line in verbose mode.  A field may
#      span lines (the HINT of a recipe), so the exact text of each message is
#      taken from the guarded server's log (SERVER_LOG, written with
#      log_line_prefix = 'sg_log %a| ', where %a is pg_regress/TEST): a guard
#      message that TEST's sessions did not log is not explained;
#  (b) once the messages are left out and `diff` aligns the rest with the
#      plain output, a catalog listing that now shows the extension's own
#      objects: rows only in the guarded output that name schema_guard (its
#      schema, functions, tables, event triggers), and the listing's
#      "(N rows)" footer changed by exactly the number of those rows.
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
use File::Temp qw(tempdir);

my ($rules_file, $log_file, $allow_file, $objects_file);
GetOptions('rules=s' => \$rules_file, 'log=s' => \$log_file, 'allow=s' => \$allow_file,
	'objects=s' => \$objects_file)
  && @ARGV == 2 && defined $rules_file && defined $log_file
  or die "usage: $0 --rules FILE --log FILE [--allow FILE] [--objects FILE] PLAIN_DIR GUARDED_DIR\n";
my ($plain, $guarded) = @ARGV;

open my $rf, '<', $rules_file or die "$rules_file: $!\n";
my @rules = grep { /\S/ } map { s/\s+$//r } <$rf>;
close $rf;
@rules or die "$rules_file lists no rule\n";
my $rule_re = join '|', map { quotemeta } @rules;
my $guard_warning = qr/^WARNING:  (?:[0-9A-Z]{5}: )?(?:$rule_re): /;
my $message_start = qr/^(?:ERROR|WARNING|NOTICE|INFO|LOG|DEBUG[1-5]?|FATAL|PANIC):  /;
my $field = qr/^(?:DETAIL|HINT|CONTEXT|LOCATION):  /;
my $footer = qr/^\((\d+) rows?\)$/;
my $tuples_only_end = qr/^(?:--|\\)/;
my $extension_object = qr/\bschema_guard/;

# --objects: the extension's relations by bare name, one per line.  A
# listing that shows relation names without their schema (sanity_check
# of 13) names them in its row's first field.
if (defined $objects_file) {
	open my $of, '<', $objects_file or die "$objects_file: $!\n";
	my @objects = grep { /\S/ } map { s/\s+$//r } <$of>;
	close $of;
	my $names = join '|', map { quotemeta } @objects;
	$extension_object = qr/\bschema_guard|^\s*(?:$names)\s*(?:\||$)/ if @objects;
}

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

# The guard's messages as logged, per test, in order: each one a list of
# fields (WARNING, DETAIL, HINT, CONTEXT), each field a list of lines.  The
# log writes a message in one piece and marks continuation lines with a tab.
my %logged;
{
	open my $lf, '<', $log_file or die "$log_file: $!\n";
	my ($cur, $open);
	while (my $l = <$lf>) {
		chomp $l;
		if ($l =~ /^sg_log (.*?)\| ([A-Z]+):  (.*)$/) {
			my ($app, $label, $text) = ($1, $2, $3);
			if ($label eq 'WARNING' && "WARNING:  $text" =~ $guard_warning && $app =~ m{^pg_regress/(.+)$}) {
				$cur = [ ["WARNING:  $text"] ];
				push @{ $logged{$1} }, $cur;
				$open = 1;
			} elsif ($open && $label =~ /^(?:DETAIL|HINT|CONTEXT)$/) {
				push @$cur, ["$label:  $text"];
			} else {
				$open = 0;
			}
		} elsif ($open && $l =~ /^\t(.*)$/) {
			push @{ $cur->[-1] }, $1;
		} else {
			$open = 0;
		}
	}
	close $lf;
}

sub read_lines {
	my ($file) = @_;
	open my $fh, '<', $file or die "$file: $!\n";
	my @l = map { s/\r?\n$//r } <$fh>;
	close $fh;
	return \@l;
}

# The alignment of two lists of lines as a list of [op, i, j] with op ' '
# (same), '-' (first list only) or '+' (second list only); i and j count
# from 1.  GNU diff does the work.
my $tmp = tempdir(CLEANUP => 1) . '/lines';
sub align {
	my ($x, $y) = @_;
	for ([ "$tmp.x", $x ], [ "$tmp.y", $y ]) {
		open my $fh, '>', $_->[0] or die "$_->[0]: $!\n";
		print $fh map { "$_\n" } @{ $_->[1] };
		close $fh;
	}
	my @ops;
	my ($i, $j) = (1, 1);
	open my $d, '-|', 'diff', '--minimal', "$tmp.x", "$tmp.y" or die "diff: $!\n";
	while (<$d>) {
		my ($a1, $a2, $op, $b1, $b2) = /^(\d+)(?:,(\d+))?([acd])(\d+)(?:,(\d+))?$/ or next;
		$a2 //= $a1;
		$b2 //= $b1;
		# "a" and "d" name the line before the change on the other side.
		my $pto = $op eq 'a' ? $a1 : $a2;
		my $gto = $op eq 'd' ? $b1 : $b2;
		my $pfrom = $op eq 'a' ? $a1 + 1 : $a1;
		push @ops, [' ', $i++, $j++] while $i < $pfrom;
		push @ops, ['-', $i++, undef] while $i <= $pto;
		push @ops, ['+', undef, $j++] while $j <= $gto;
	}
	close $d;
	push @ops, [' ', $i++, $j++] while $i <= @$x;
	unlink "$tmp.x", "$tmp.y";
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

# Compare the outputs of one test; print and count what is unexplained.
sub compare_test {
	my ($test, $p, $g) = @_;
	return 0 if join("\n", @$p) eq join("\n", @$g);

	# (a): the guard's messages, each matched to one that TEST logged: the
	# WARNING line, then each logged field that psql printed, in order.
	my %drop;               # guarded line numbers left out of the comparison
	my $queue = $logged{$test} // [];
	my $line = sub { $_[0] <= @$g ? $g->[ $_[0] - 1 ] : undef };
	for (my $gi = 1; $gi <= @$g; $gi++) {
		next unless $g->[ $gi - 1 ] =~ $guard_warning;
		my $shown = $g->[ $gi - 1 ] =~ s/^WARNING:  [0-9A-Z]{5}: /WARNING:  /r;
		# A message whose every logged field psql printed comes first: the
		# same WARNING line may have been logged before with other fields,
		# by a statement whose message psql did not show.
		my @order = grep { $queue->[$_][0][0] eq $shown && @{ $queue->[$_][0] } == 1 } 0 .. $#$queue;
		my @whole = grep {
			my ($m, $k, $all) = ($queue->[$_], $gi + 1, 1);
			for my $f (@$m[ 1 .. $#$m ]) {
				for my $n (0 .. $#$f) {
					my $have = $line->($k + $n);
					$all &&= defined $have && $have eq $f->[$n];
				}
				$k += @$f;
			}
			$all;
		} @order;
		for my $q (@whole ? $whole[0] : @order) {
			my $m = $queue->[$q];
			my $k = $gi + 1;
			for my $f (@$m[ 1 .. $#$m ]) {
				my $same = 1;
				for my $n (0 .. $#$f) {
					my $have = $line->($k + $n);
					$same &&= defined $have && $have eq $f->[$n];
				}
				$k += @$f if $same;
			}
			$k++ if ($line->($k) // '') =~ /^LOCATION:  /;
			splice @$queue, $q, 1;
			$drop{$_} = 'a' for $gi .. $k - 1;
			$explained_messages++;
			$gi = $k - 1;
			last;
		}
	}
	my @ga = grep { !$drop{$_} } 1 .. @$g;
	my $ops = align($p, [ map { $g->[ $_ - 1 ] } @ga ]);

	# (b): guarded-only rows naming the extension's objects, inside a result
	# that ends with a "(N rows)" footer; that footer is then compared with
	# N minus those rows.  Rows of a block (up to an empty line) that has no
	# footer are kept, and so not explained.  Allow-listed guarded-only lines
	# are left out too, and count like rows when a footer follows.
	my %guarded_only = map { $_->[0] eq '+' ? ($ga[ $_->[2] - 1 ] => 1) : () } @$ops;
	my %plain_only = map { $_->[0] eq '-' ? ($_->[1] => 1) : () } @$ops;
	my %footer_less;        # guarded footer line -> rows it lists beyond plain
	my @pending;            # [line, allow-listed?]
	for my $gi (@ga) {
		my $l = $g->[$gi - 1];
		if ($guarded_only{$gi} && allowed($test, '+', $l)) {
			push @pending, [$gi, 1];
		} elsif ($guarded_only{$gi} && $l =~ $extension_object && $l !~ $message_start && $l !~ $field) {
			push @pending, [$gi, 0];
		} elsif ($l =~ $footer || $l eq '' || $l =~ $tuples_only_end) {
			# A result printed tuples only (\t) has neither footer nor blank
			# line: the next echoed line of the script (a comment or a
			# meta-command) closes it, with no row count to compare.
			my $closes = $l ne '';
			for my $r (@pending) {
				next unless $r->[1] || $closes;
				$drop{ $r->[0] } = 'b';
				$footer_less{$gi}++ if $l =~ $footer;
				$explained_rows++ if $closes && !$r->[1];
			}
			@pending = ();
		}
	}
	$drop{ $_->[0] } = 'b' for grep { $_->[1] } @pending;
	my @pkeep = grep { !($plain_only{$_} && allowed($test, '-', $p->[$_ - 1])) } 1 .. @$p;
	my @gkeep = grep { !$drop{$_} } 1 .. @$g;

	# Compare what is left, blind to the padding of aligned tables (the
	# extension's rows widen columns).
	my $norm = sub {
		my ($l, $less) = @_;
		return '(' . ($1 - $less) . ' rows)' if $l =~ $footer;
		return '-' if $l =~ /^[-+]+$/;
		return join '|', map { s/^\s+|\s+$//gr } split /\|/, $l, -1;
	};
	my $nops = align([ map { $norm->($p->[ $_ - 1 ], 0) } @pkeep ],
		[ map { $norm->($g->[ $_ - 1 ], $footer_less{$_} // 0) } @gkeep ]);

	# What still differs: printed in runs, with line numbers and the last
	# line both share.
	my @bad;
	my ($lastp, $lastg) = (0, 0);
	for my $k (0 .. $#$nops) {
		my ($kind, $ni, $nj) = @{ $nops->[$k] };
		my $pi = defined $ni ? $pkeep[ $ni - 1 ] : undef;
		my $gi = defined $nj ? $gkeep[ $nj - 1 ] : undef;
		if ($kind eq ' ') {
			($lastp, $lastg) = ($pi, $gi);
			next;
		}
		my $text = $kind eq '+' ? $g->[ $gi - 1 ] : $p->[ $pi - 1 ];
		push @bad, [ $k, $kind, $text, $pi // $lastp + 1, $gi // $lastg + 1, $lastp ];
	}
	return 0 unless @bad;
	print "not ok - $test: " . scalar(@bad) . " unexplained line(s) (- plain only, + guarded only)\n";
	my $prev = -2;
	for my $b (@bad) {
		my ($k, $kind, $text, $pi, $gi, $ctx) = @$b;
		if ($k != $prev + 1) {
			print "  @@ results/$test.out: plain line $pi, guarded line $gi\n";
			print "     " . $p->[ $ctx - 1 ] . "\n" if $ctx > 0;
		}
		my $less = $kind eq '+' ? $footer_less{$gi} : undef;
		print "   $kind $text" . ($less ? "   (compared less the $less extension rows above)" : '') . "\n";
		$prev = $k;
	}
	return 1;
}

my %tests;
for my $dir ($plain, $guarded) {
	opendir my $dh, "$dir/results" or die "$dir/results: $!\n";
	$tests{ s/\.out$//r } = 1 for grep { /\.out$/ } readdir $dh;
	closedir $dh;
}

for my $test (sort keys %tests) {
	my ($pf, $gf) = ("$plain/results/$test.out", "$guarded/results/$test.out");
	if (!-f $pf || !-f $gf) {
		print "not ok - $test: results only in the " . (-f $pf ? 'plain' : 'guarded') . " run\n";
		$failed++;
		next;
	}
	$failed += compare_test($test, read_lines($pf), read_lines($gf));
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

#!/usr/bin/env python3
"""Produces micro_cases.json: small templates rendered by Python Jinja2 3.1 configured exactly as Hugging Face's
apply_chat_template configures it (the same configuration the fixtures in tests/Fixtures/chat_templates were rendered with; see their README). The C# engine is tested against it.
usage: python3 generate.py   (writes micro_cases.json beside this script)"""
import datetime, json, os
import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_NOW = datetime.datetime(2026, 1, 15, 12, 0, 0)


class GenerationTag(Extension):
    tags = {'generation'}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(['name:endgeneration'], drop_needle=True)
        return nodes.CallBlock(self.call_method('_render', []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=['jinja2.ext.loopcontrols', GenerationTag])
    env.filters['tojson'] = tojson
    env.globals['raise_exception'] = raise_exception
    env.globals['strftime_now'] = strftime_now
    return env


# (feature group, template, variables). Variables are JSON so the C# side can load them identically.
MSGS = [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "yo", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}]
CASES = [
    # --- whitespace control: trim_blocks, lstrip_blocks, -, +
    ("ws", "{% if true %}\nA\n{% endif %}\nB", {}),
    ("ws", "  {% if true %}\n  A\n  {% endif %}\nB", {}),
    ("ws", "x  {% if true %}y{% endif %}", {}),
    ("ws", "a\n  {%- if true %}b{% endif -%}  \n c", {}),
    ("ws", "a\n  {%+ if true %}b{% endif +%}\nc", {}),
    ("ws", "a {{- ' b ' -}} c", {}),
    ("ws", "a\n  {{ 'b' }}\n  c", {}),
    ("ws", "{# comment #}\nx", {}),
    ("ws", "  {# comment #}\n  x", {}),
    ("ws", "a {#- c -#} b", {}),
    ("ws", "line\n", {}),
    ("ws", "line\n\n", {}),
    ("ws", "{% for i in [1,2] %}\n  {{ i }}\n{% endfor %}\n", {}),
    ("ws", "{%- for i in [1,2] -%}\n  {{ i }}\n{%- endfor -%}", {}),
    ("ws", "\t{% set x = 1 %}\t\n{{ x }}", {}),
    ("ws", "{% raw %}{{ not rendered }}{% endraw %}", {}),
    ("ws", "a\r\nb\r\n{% if true %}\r\nc{% endif %}", {}),
    ("ws", "{{ 'a' }}  {% if true %}b{% endif %}", {}),
    ("ws", "x\n    {% if true -%}\n    y\n    {%- endif %}\nz", {}),
    # --- literals and printing (Python str/repr)
    ("print", "{{ none }}|{{ None }}|{{ true }}|{{ False }}", {}),
    ("print", "{{ [1, 'a', none, true, 1.5] }}", {}),
    ("print", "{{ {'a': 1, 'b': [1, 2], 'c': {'d': none}} }}", {}),
    ("print", "{{ (1, 2) }}{{ (1,) }}{{ () }}", {}),
    ("print", "{{ 1.0 }} {{ 0.1 }} {{ 1e-5 }} {{ 1.5e20 }} {{ 123456789.125 }} {{ 1e16 }} {{ 1e15 }}", {}),
    ("print", "{{ 'it\\'s' }} {{ ['it\\'s', \"say \\\"x\\\"\", 'a\\nb'] }}", {}),
    ("print", "{{ ['ü', 'é', '日本', '\\t'] }}", {}),
    ("print", "{{ x }}", {"x": [1.25, -0.0, 100.0, 3]}),
    ("print", "{{ x }}|{{ y }}", {"x": {"k": "v"}, "y": "naïve"}),
    ("print", "{{ undefined_var }}|{{ undefined_var is defined }}", {}),
    ("print", "{{ 'a' 'b' }}", {}),
    ("print", "{{ 'tab\\there' }}", {}),
    ("print", "{{ '\\u00e9\\x41' }}", {}),
    ("print", "{{ 1_000 }} {{ 0.5 }}", {}),
    # --- arithmetic
    ("math", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }}", {}),
    ("math", "{{ 7.5 // 2 }} {{ 7.5 % 2 }} {{ 1 + 2.0 }} {{ 3 * 1.5 }} {{ 10 - 3 }}", {}),
    ("math", "{{ 'ab' * 3 }} {{ [1] * 2 }} {{ 'a' + 'b' }} {{ [1] + [2] }}", {}),
    ("math", "{{ 1 + 2 * 3 - 4 / 2 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }}", {}),
    ("math", "{{ 1 ~ 2 ~ 'x' ~ none ~ true }}", {}),
    ("math", "{{ 'a' + 1 }}", {}),
    ("math", "{{ 1 + 'a' }}", {}),
    ("math", "{{ 1 / 0 }}", {}),
    ("math", "{{ 5 // 0 }}", {}),
    ("math", "{{ undefined_x + 1 }}", {}),
    ("math", "{{ -x }} {{ +x }} {{ - -x }}", {"x": 3}),
    ("math", "{{ true + 1 }} {{ 10 % 4 * 2 }}", {}),
    ("math", "{{ '%s and %s' % ('a', 'b') }} {{ '%d%%' % 5 }} {{ '%05.2f' % 3.14159 }}", {}),
    ("math", "{{ x + y }}", {"x": "a", "y": {"b": 1}}),
    ("math", "{{ x + y }}", {"x": [1], "y": "b"}),
    # --- comparisons, logic, membership
    ("logic", "{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' == 'a' }} {{ [1,2] == [1,2] }} {{ {'a':1} == {'a':1} }} {{ none == none }}", {}),
    ("logic", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1,2] < [1,3] }} {{ 2 >= 2 }} {{ 1 != 2 }}", {}),
    ("logic", "{{ 'a' in 'cat' }} {{ 2 in [1,2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ not 'x' in 'y' }}", {}),
    ("logic", "{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'x' }} {{ '' or [] }} {{ none or 0 }} {{ not none }}", {}),
    ("logic", "{{ 'a' < 1 }}", {}),
    ("logic", "{{ 1 in none }}", {}),
    ("logic", "{{ x in undefined_thing }}", {"x": 1}),
    ("logic", "{% if [] %}t{% else %}f{% endif %}{% if {} %}t{% else %}f{% endif %}{% if 0.0 %}t{% else %}f{% endif %}{% if ' ' %}t{% endif %}", {}),
    ("logic", "{{ undefined_x == undefined_y }} {{ undefined_x == none }} {{ not undefined_x }}", {}),
    ("logic", "{{ 'yes' if x else 'no' }} {{ 'yes' if not x }}|{{ 1 if false else 2 if true else 3 }}", {"x": 0}),
    ("logic", "{{ (1 if false) is defined }}", {}),
    # --- tests
    ("tests", "{{ x is defined }} {{ y is undefined }} {{ n is none }} {{ s is string }} {{ i is number }} {{ f is number }}", {"x": 1, "n": None, "s": "s", "i": 1, "f": 1.5}),
    ("tests", "{{ i is integer }} {{ f is integer }} {{ f is float }} {{ b is boolean }} {{ b is integer }} {{ b is number }}", {"i": 1, "f": 1.5, "b": True}),
    ("tests", "{{ d is mapping }} {{ l is mapping }} {{ l is iterable }} {{ s is iterable }} {{ d is iterable }} {{ i is iterable }} {{ u is iterable }}", {"d": {}, "l": [], "s": "", "i": 3}),
    ("tests", "{{ l is sequence }} {{ s is sequence }} {{ d is sequence }} {{ i is sequence }} {{ u is sequence }}", {"d": {}, "l": [], "s": "", "i": 3}),
    ("tests", "{{ t is true }} {{ t is false }} {{ 1 is true }} {{ f is false }}", {"t": True, "f": False}),
    ("tests", "{{ 3 is odd }} {{ 3 is even }} {{ 4 is divisibleby 2 }} {{ 9 is divisibleby(4) }}", {}),
    ("tests", "{{ x is equalto 3 }} {{ x is eq 3 }} {{ x is == 4 }} {{ x is ne 3 }} {{ x is lt 5 }} {{ x is gt 5 }} {{ x is ge 3 }} {{ x is le 2 }}", {"x": 3}),
    ("tests", "{{ 'a' is in 'abc' }} {{ 'ABC' is upper }} {{ 'abc' is lower }} {{ 'x' is not in [] }}", {}),
    ("tests", "{{ x is not none }} {{ x is not defined }} {{ not x is none }}", {"x": None}),
    ("tests", "{{ range is callable }} {{ 'x' is callable }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'defined' is test }}", {}),
    ("tests", "{{ x is sameas none }} {{ x is sameas false }}", {"x": None}),
    ("tests", "{{ 1 + 1 is odd }}", {}),
    ("tests", "{% set ns = namespace(a=1) %}{{ ns is mapping }} {{ ns is defined }}", {}),
    # --- variables and scoping
    ("scope", "{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", {}),
    ("scope", "{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", {}),
    ("scope", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set (c, d) = [3, 4] %}{{ c }}{{ d }}", {}),
    ("scope", "{% set x %}captured {{ 1 + 1 }}{% endset %}[{{ x }}]", {}),
    ("scope", "{% set x | upper %}shout{% endset %}{{ x }}", {}),
    ("scope", "{% if true %}{% set x = 5 %}{% endif %}{{ x }}", {}),
    ("scope", "{% for i in [1] %}{% set inner = 1 %}{% endfor %}{{ inner is defined }}", {}),
    ("scope", "{% set messages = messages[1:] %}{{ messages | length }}", {"messages": [1, 2, 3]}),
    ("scope", "{% set ns = namespace(a=1, b='x') %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}", {}),
    ("scope", "{% set ns = namespace({'k': 2}) %}{{ ns.k }}", {}),
    ("scope", "{% set d = {'a': 1} %}{% set d.a = 2 %}", {}),
    ("scope", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 5 %}{{ x }}{% endfor %}", {}),
    ("scope", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a is defined }}", {}),
    ("scope", "{% set ns = namespace() %}{% set ns.items = [1] %}{{ ns.items }}", {}),
    # --- for loops
    ("loop", "{% for x in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }} {% endfor %}", {"items": ["a", "b", "c"]}),
    ("loop", "{% for x in items %}{{ loop.previtem | default('-') }}{{ x }}{{ loop.nextitem | default('-') }} {% endfor %}", {"items": ["a", "b", "c"]}),
    ("loop", "{% for x in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}", {"items": [1, 2, 3]}),
    ("loop", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("loop", "{% for x in items if x > 1 %}{{ x }}{{ loop.index }}{{ loop.last }} {% endfor %}", {"items": [1, 2, 3]}),
    ("loop", "{% for x in items %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {"items": [1, 2, 3, 4, 5]}),
    ("loop", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("loop", "{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("loop", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("loop", "{% for c in 'héllo' %}{{ c }}.{% endfor %}", {}),
    ("loop", "{% for x in undefined_list %}x{% else %}none{% endfor %}", {}),
    ("loop", "{% for x in none %}x{% endfor %}", {}),
    ("loop", "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}", {}),
    ("loop", "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}", {}),
    ("loop", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}", {}),
    ("loop", "{% for m in messages %}{% if loop.first and m.role == 'system' %}S:{{ m.content }}{% else %}{{ m.role }}{% endif %};{% endfor %}", {"messages": MSGS}),
    ("loop", "{% for x in [1, 2, 3] %}{{ loop.changed(x > 1) }}{% endfor %}", {}),
    ("loop", "{% for x in [1, 2] %}{{ loop.depth }}{% for y in [1] %}{{ loop.depth }}{% endfor %}{% endfor %}", {}),
    ("loop", "{% for a, b in [[1]] %}{{ a }}{% endfor %}", {}),
    # --- attribute vs item access
    ("access", "{{ d.a }} {{ d['a'] }} {{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }}", {"d": {"a": 1}}),
    ("access", "{{ l[0] }} {{ l[-1] }} {{ l.0 }} {{ l[5] is defined }}", {"l": [1, 2, 3]}),
    ("access", "{{ d.missing }}|{{ d.missing is defined }}|{{ d['missing'] is defined }}", {"d": {"a": 1}}),
    ("access", "{{ d.missing.deeper }}", {"d": {"a": 1}}),
    ("access", "{{ undefined_var.attr }}", {}),
    ("access", "{{ n.attr }}", {"n": None}),
    ("access", "{{ d.items is defined }} {{ d.items is callable }}", {"d": {"items": 5}}),
    ("access", "{{ d['items'] }}", {"d": {"items": 5}}),
    ("access", "{{ m.content }}|{{ m['role'] }}|{{ m.tool_calls[0].function.arguments.a }}", {"m": MSGS[2]}),
    ("access", "{{ s[0] }}{{ s[-1] }}{{ s.upper() }}", {"s": "abc"}),
    ("access", "{{ l[10] }}", {"l": [1]}),
    ("access", "{{ l['x'] }}", {"l": [1]}),
    ("access", "{{ d[1] }}", {"d": {"a": 1}}),
    ("access", "{{ x.__class__ }}", {"x": "s"}),
    # --- slicing
    ("slice", "{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[-2:] }} {{ l[::2] }} {{ l[1:-1] }} {{ l[5:] }} {{ l[-10:2] }}", {"l": [1, 2, 3, 4, 5]}),
    ("slice", "{{ s[1:] }} {{ s[:-1] }} {{ s[::-1] }} {{ s[3:1:-1] }} {{ s[-1:-4:-1] }}", {"s": "abcdef"}),
    ("slice", "{{ l[:] }} {{ l[::-2] }} {{ l[4:0:-2] }}", {"l": [0, 1, 2, 3, 4, 5]}),
    ("slice", "{{ messages[1:] | map(attribute='role') | list }}", {"messages": MSGS}),
    # --- filters
    ("filter", "{{ x | tojson }}", {"x": {"a": [1, 2.5, None, True], "b": "é\"\n\\", "c": {}}}),
    ("filter", "{{ x | tojson(indent=2) }}", {"x": {"a": [1, {"b": []}], "c": "d"}}),
    ("filter", "{{ x | tojson(indent=4, sort_keys=true) }}", {"x": {"b": 1, "a": {"d": 1, "c": 2}}}),
    ("filter", "{{ x | tojson(separators=(',', ':')) }}", {"x": {"a": [1, 2]}}),
    ("filter", "{{ x | tojson(ensure_ascii=true) }}", {"x": "héllo ☃ 😀"}),
    ("filter", "{{ x | tojson }}", {"x": "\u2028\u007f\u0001"}),
    ("filter", "{{ undefined_var | tojson }}", {}),
    ("filter", "{{ [1, 2] | map('string') | tojson }}", {}),
    ("filter", "{{ {'a': 1}.items() | tojson }}", {}),
    ("filter", "{{ 1.0 | tojson }} {{ 1e-7 | tojson }} {{ 12345678901234567890 | tojson }}", {}),
    ("filter", "{{ '  x  ' | trim }}|{{ 'xxaxx' | trim('x') }}|{{ none | trim }}", {}),
    ("filter", "{{ [1, 2] | length }} {{ 'abc' | length }} {{ {'a': 1} | length }} {{ undefined_var | length }} {{ 'abc' | count }}", {}),
    ("filter", "{{ [1, 'a', none] | join(', ') }}|{{ [1, 2] | join }}|{{ l | join('-', attribute='n') }}", {"l": [{"n": "x"}, {"n": "y"}]}),
    ("filter", "{{ u | default('d') }} {{ none | default('d') }} {{ '' | default('d', true) }} {{ 0 | d('z', boolean=true) }} {{ 'v' | default('d') }}", {}),
    ("filter", "{{ d | items | list }}", {"d": {"a": 1, "b": [2]}}),
    ("filter", "{{ d | dictsort }} {{ d | dictsort(reverse=true) }} {{ d | dictsort(by='value') }}", {"d": {"b": 1, "A": 3, "c": 2}}),
    ("filter", "{{ d | dictsort(true) }}", {"d": {"b": 1, "A": 3, "c": 2}}),
    ("filter", "{{ l | selectattr('on') | map(attribute='n') | list }} {{ l | rejectattr('on') | map(attribute='n') | list }}", {"l": [{"n": 1, "on": True}, {"n": 2, "on": False}, {"n": 3}]}),
    ("filter", "{{ l | selectattr('n', 'equalto', 2) | list }} {{ l | selectattr('n', '>', 1) | list | length }}", {"l": [{"n": 1}, {"n": 2}, {"n": 3}]}),
    ("filter", "{{ l | selectattr('x.y', 'defined') | list | length }}", {"l": [{"x": {"y": 1}}, {"x": {}}]}),
    ("filter", "{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, '', 'a'] | select | list }}", {}),
    ("filter", "{{ [1, 2] | map('string') | list }} {{ ['a', 'b'] | map('upper') | join }} {{ l | map(attribute='n', default='?') | list }}", {"l": [{"n": 1}, {}]}),
    ("filter", "{{ [1, 2] | map('int') | sum }} {{ l | map(attribute='n') | list }}", {"l": [{"n": 1}, {}]}),
    ("filter", "{{ 'abc' | list }} {{ (1, 2) | list }} {{ {'a': 1} | list }}", {}),
    ("filter", "{{ [3, 1, 2] | first }} {{ [3, 1, 2] | last }} {{ 'xyz' | first }} {{ [] | first is defined }}", {}),
    ("filter", "{{ 'hello World' | upper }} {{ 'HeLLo' | lower }} {{ 'hello world-foo (bar' | title }} {{ 'hELLO wORLD' | capitalize }}", {}),
    ("filter", "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '-') }}", {}),
    ("filter", "{{ 1 | string }} {{ none | string }} {{ [1] | string }} {{ true | string }} {{ (1 | string) is string }}", {}),
    ("filter", "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '0x1A' | int(0, 16) }} {{ true | int }}", {}),
    ("filter", "{{ '1.5' | float }} {{ 'x' | float }} {{ 2 | float }} {{ -3 | abs }} {{ -2.5 | abs }}", {}),
    ("filter", "{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.567 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }} {{ 3 | round }}", {}),
    ("filter", "{{ 'a\nb\n\nc' | indent }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent(2, blank=true) }}|{{ 'a\nb' | indent('> ') }}", {}),
    ("filter", "{{ [1, 2, 1, 3, 2] | unique | list }} {{ ['a', 'A', 'b'] | unique | list }} {{ ['a', 'A'] | unique(true) | list }}", {}),
    ("filter", "{{ '<b>&\"\\'' | escape }} {{ '<b>' | e }} {{ '<x>' | safe }}", {}),
    ("filter", "{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}", {}),
    ("filter", "{{ l | sort(attribute='n') | map(attribute='n') | list }}", {"l": [{"n": 2}, {"n": 1}]}),
    ("filter", "{{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }}", {}),
    ("filter", "{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ ['b', 'A'] | min }} {{ [] | max is defined }}", {}),
    ("filter", "{{ [1, 2, 3] | sum }} {{ [1.5, 2] | sum }} {{ l | sum(attribute='n') }} {{ [1] | sum(start=10) }}", {"l": [{"n": 2}, {"n": 3}]}),
    ("filter", "{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3] | batch(2, 'x') | list }}", {}),
    ("filter", "{{ 'one two  three' | wordcount }} {{ 'abc' | center(9) }}| {{ 'ab' | center(7) }}|", {}),
    ("filter", "{{ 'hello world foo bar' | truncate(9) }}|{{ 'hello world foo bar baz qux' | truncate(11, true) }}|{{ 'short' | truncate(3) }}", {}),
    ("filter", "{{ '%s-%s' | format('a', 1) }} {{ '%(x)s' | format(x='y') }} {{ '%r' | format('q') }}", {}),
    ("filter", "{{ x | attr('a') }}", {"x": {"a": 1}}),
    ("filter", "{% filter upper %}hello {{ 'x' }}{% endfilter %}", {}),
    ("filter", "{{ [1, 2] | map('string') | join('+') }}{{ d | items | map('first') | list }}", {"d": {"k": "v"}}),
    ("filter", "{{ undefined_var | list }}|{{ undefined_var | string }}|{{ undefined_var | join(',') }}", {}),
    ("filter", "{{ 5 | length }}", {}),
    ("filter", "{{ [1, 2] | map('upper') | list }}", {}),
    ("filter", "{{ [1, 2] | select | length }}", {}),
    ("filter", "{{ {'a': 1}.keys() | list }} {{ {'a': 1}.values() | list }} {{ {'a': 1}.items() | list }} {{ {'a': 1}.items() | length }}", {}),
    ("filter", "{{ ['b', 'a'] | sort | join }} {{ 'x' | tojson }} {{ none | tojson }} {{ true | tojson }}", {}),
    ("filter", "{{ x | tojson }}", {"x": [[], {}, [{}], "", 0, -1.5]}),
    ("filter", "{{ x | tojson(indent=2) }}", {"x": [[], {}, [1], 2]}),
    # --- string methods
    ("method", "[{{ '  a b  '.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '  a'.lstrip() }}][{{ 'a  '.rstrip() }}][{{ 'aab'.lstrip('a') }}][{{ 'abb'.rstrip('b') }}]", {}),
    ("method", "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ ' a  b '.rsplit(none, 1) }} {{ ''.split() }} {{ ''.split(',') }}", {}),
    ("method", "{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('bc') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('x') }}", {}),
    ("method", "{{ 'aXa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 1) }} {{ 'Ab'.upper() }} {{ 'Ab'.lower() }} {{ 'hello wORLD'.title() }} {{ 'hELLO'.capitalize() }}", {}),
    ("method", "{{ '{} is {}'.format('a', 1) }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}!'.format(name='n') }} {{ '{{x}}'.format() }} {{ '{!r}'.format('q') }} {{ '{:>5}|{:<4}|{:^6}'.format('a', 'b', 'c') }}", {}),
    ("method", "{{ 'hello'.find('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ 'hello'.rfind('l') }} {{ 'hello'.index('e') }}", {}),
    ("method", "{{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'a\\nb\\n'.splitlines() }} {{ 'a\\nb'.splitlines(true) }}", {}),
    ("method", "{{ ', '.join(['a', 'b']) }} {{ ''.join('abc') }}", {}),
    ("method", "{{ ', '.join([1, 2]) }}", {}),
    ("method", "{{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'AB'.isupper() }} {{ 'ab'.islower() }} {{ 'x'.zfill(3) }}", {}),
    ("method", "{{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ d.get('b', 0) }}", {"d": {"a": 1}}),
    ("method", "{{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}", {}),
    ("method", "{{ 'abc'.removeprefix('a') }}{{ 'abc'.removesuffix('c') }}", {}),
    # --- sandbox refusals
    ("sandbox", "{% set l = [1] %}{{ l.append(2) }}", {}),
    ("sandbox", "{% set l = [] %}{% set _ = l.append(2) %}{{ l }}", {}),
    ("sandbox", "{% set d = {} %}{{ d.update({'a': 1}) }}", {}),
    ("sandbox", "{{ d.pop('a') }}", {"d": {"a": 1}}),
    ("sandbox", "{{ l.append is defined }}|{{ l.append }}|", {"l": [1]}),
    ("sandbox", "{{ ''.__class__ }}|{{ ''.__class__ is defined }}", {}),
    ("sandbox", "{{ range(200000) | length }}", {}),
    # --- macros and call blocks
    ("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', '?') }} {{ greet(name='c', punct='.') }}", {}),
    ("macro", "{% macro m(a, b) %}{{ a }}|{{ b is defined }}{% endmacro %}{{ m(1) }}", {}),
    ("macro", "{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}", {}),
    ("macro", "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner {{ 1 + 1 }}{% endcall %}", {}),
    ("macro", "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}[{{ x }}]{% endcall %}", {}),
    ("macro", "{% set g = 'global' %}{% macro m() %}{{ g }}{% endmacro %}{{ m() }}", {}),
    ("macro", "{% macro m() %}{{ late }}{% endmacro %}{% set late = 'set later' %}{{ m() }}", {}),
    ("macro", "{% macro render(v) %}{% if v is mapping %}{% for k, x in v.items() %}{{ k }}:{{ render(x) }};{% endfor %}{% else %}{{ v }}{% endif %}{% endmacro %}{{ render({'a': {'b': 1}, 'c': 2}) }}", {}),
    ("macro", "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1) + 'a' }} {{ m(1) is string }}", {}),
    ("macro", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}", {}),
    ("macro", "{% macro m() %}   spaced   {% endmacro %}[{{ m() }}][{{ m() | trim }}]", {}),
    # --- generation tag, globals, raise_exception
    ("globals", "{% generation %}assistant text {{ 1 }}{% endgeneration %}", {}),
    ("globals", "{{ raise_exception('custom failure') }}", {}),
    ("globals", "{% if x is not defined %}{{ raise_exception('x is required: ' ~ 3) }}{% endif %}", {}),
    ("globals", "{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A, %B %d, %Y %H:%M:%S %p %j %a %y %I') }}", {}),
    ("globals", "{{ dict(a=1, b=2) }} {{ dict({'x': 1}, y=2) }}", {}),
    ("globals", "{{ range(3) | list }} {{ range(0) | list }} {{ range(2, -2, -1) | list }}", {}),
    ("globals", "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}", {}),
    ("globals", "{% set j = joiner('|') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}", {}),
    ("globals", "{{ undefined_fn() }}", {}),
    ("globals", "{{ 'x'() }}", {}),
    ("globals", "{{ namespace(a=1) }}", {}),
    # --- errors
    ("errors", "{% if %}", {}),
    ("errors", "{% for x in %}{% endfor %}", {}),
    ("errors", "{% if true %}unclosed", {}),
    ("errors", "{{ 1 + }}", {}),
    ("errors", "{% unknowntag %}", {}),
    ("errors", "{{ 'unterminated }}", {}),
    ("errors", "{% endif %}", {}),
    ("errors", "{{ x | nosuchfilter }}", {"x": 1}),
    ("errors", "{% if false %}{{ x | nosuchfilter }}{% endif %}ok", {"x": 1}),
    ("errors", "{{ x is nosuchtest }}", {"x": 1}),
    # --- chat-template idioms
    ("chat", "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content | trim }}{% if m.tool_calls %}{% for tc in m.tool_calls %}{{ tc.function.name }}({{ tc.function.arguments | tojson }}){% endfor %}{% endif %}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}", {"bos_token": "<s>", "messages": MSGS, "add_generation_prompt": True}),
    ("chat", "{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}{% set rest = messages[1:] %}{% else %}{% set sys = '' %}{% set rest = messages %}{% endif %}[{{ sys }}]{{ rest | length }}", {"messages": MSGS}),
    ("chat", "{%- for tool in tools %}{{- tool.function.name }}: {{ tool.function.parameters.properties | tojson }}\n{%- endfor %}", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "integer", "minimum": 0.5}}}}}]}),
    ("chat", "{%- set ns = namespace(last_user=-1) %}{%- for m in messages %}{%- if m.role == 'user' %}{%- set ns.last_user = loop.index0 %}{%- endif %}{%- endfor %}{{ ns.last_user }}", {"messages": MSGS}),
    ("chat", "{{ (messages | selectattr('role', 'equalto', 'user') | list | length) }} {{ messages | map(attribute='role') | join(',') }}", {"messages": MSGS}),
    ("chat", "{% for m in messages[::-1] %}{{ m.role[0] }}{% endfor %}{{ messages[-1].role }}", {"messages": MSGS}),
    ("chat", "{%- if enable_thinking is defined and enable_thinking is false %}no-think{% else %}think{% endif %}", {"enable_thinking": False}),
    ("chat", "{{ messages[0].content.split('y')[0] }}{{ (messages | last).content }}", {"messages": MSGS}),
    ("chat", "{% set content = message.content if message.content is string else message.content | map(attribute='text') | join('') %}{{ content }}", {"message": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}),
    ("chat", "{% set x = '<think>a</think>b' %}{{ x.split('</think>')[-1].lstrip('\\n') }}|{{ x.split('<think>')[-1].split('</think>')[0] }}", {}),
    ("chat", "{{- '<tool_call>\\n{\"name\": \"' + tc.name + '\", \"arguments\": ' + (tc.arguments | tojson) + '}\\n</tool_call>' }}", {"tc": {"name": "f", "arguments": {"q": "x"}}}),
    ("chat", "{{ '\"' + 'x' | safe + '<' }}", {}),
    ("chat", "{{ ('<' | safe) + '>' }} {{ '<' + ('>' | safe) }} {{ ('<' | safe) ~ '>' }}", {}),
    ("chat", "{{ (x | tojson | safe) is string }} {{ (x | tojson | safe) | length }}", {"x": {"a": "<b>"}}),
    # --- more edge cases
    ("edge", "{{ s.nothing }}|{{ s.nothing is defined }}", {"s": "abc"}),
    ("edge", "{{ none.strip() }}", {}),
    ("edge", "{{ x | first }} {{ x | last }} {{ x | length is odd }}", {"x": [1, 2, 3]}),
    ("edge", "{{ not a in b }} {{ not (a in b) }} {{ a not in b }}", {"a": 1, "b": [2]}),
    ("edge", "{{ 'y' if x is defined and x else 'n' }}", {"x": 0}),
    ("edge", "{{ 'a' ~ 1 == 'a1' }} {{ -1 | abs }} {{ -x | abs }}", {"x": 2}),
    ("edge", "{{ l[1:3] | join }} {{ 'abc' | list | reverse | join }}", {"l": ["a", "b", "c", "d"]}),
    ("edge", "{{ '%s' % l }} {{ '%s' % (l,) }} {{ '%s|%s' % (1, none) }} {{ '%.2f' | format(3.14159) }} {{ '%5s|%-5s|' % ('a', 'b') }}", {"l": [1, 2]}),
    ("edge", "{{ 10 // 3 * 3 }} {{ 2 * 3 ** 2 }} {{ 7 - 2 - 1 }} {{ 2 ** 0.5 }}", {}),
    ("edge", "{% macro m(a, b=a) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(1, 2) }}", {}),
    ("edge", "{{ [1, 2, 3] | select('gt', 1) | list }} {{ [1, 2, 3] | reject('equalto', 2) | list }} {{ ['a', 'B'] | select('lower') | list }}", {}),
    ("edge", "{{ d | dictsort | first }} {{ (1, 2) | join('-') }} {{ [1, [2, 3]] | length }}", {"d": {"b": 2, "a": 1}}),
    ("edge", "{{ [1, 2,] }} {{ {'a': 1,} }} {{ (1, 2,) }}", {}),
    ("edge", "{% if x %}\n{% elif y %}\ny\n{% else %}\nz\n{% endif %}", {"x": False, "y": True}),
    ("edge", "{%- set x -%}\n  block body  \n{%- endset -%}\n[{{ x }}]", {}),
    ("edge", "a\n{%- generation -%}\n  gen  \n{%- endgeneration -%}\nb", {}),
    ("edge", "{% for x in xs | map('upper') %}{{ loop.index }}/{{ loop.length }}{{ x }} {% endfor %}", {"xs": ["a", "b"]}),
    ("edge", "{% for c in 'abcd' if c != 'b' %}{{ c }}{{ loop.revindex }}{% endfor %}", {}),
    ("edge", "{% for x in [1, 2, 3] %}{% if x > 1 %}{% if x == 2 %}{% break %}{% endif %}{% endif %}{{ x }}{% endfor %}", {}),
    ("edge", "{% for x in [1, 2] %}{% set outer = x %}{% endfor %}[{{ outer }}]", {}),
    ("edge", "{% macro list_items(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro %}{% call(item, n) list_items(['a', 'b']) %}{{ n }}={{ item }};{% endcall %}", {}),
    ("edge", "{{ m() }}{% macro m() %}x{% endmacro %}", {}),
    ("edge", "{% macro fail() %}{{ raise_exception('from macro') }}{% endmacro %}{{ fail() }}", {}),
    ("edge", "{{ strftime_now('%-d/%-m/%y %e') }}", {}),
    ("edge", "{{ x | tojson }}", {"x": {"nested": {"list": [1.5, 2e-7, 1e22, -0.0, 12345.678]}}}),
    ("edge", "{{ x | tojson(indent=2, separators=(',', ': ')) }}", {"x": {"a": 1}}),
    ("edge", "{{ '' | tojson }} {{ 'line\\nbreak\\ttab' | tojson }} {{ '</script>' | tojson }}", {}),
    ("edge", "{{ x | string | length }} {{ x | list | length }}", {"x": {"a": 1, "b": 2}}),
    ("edge", "{{ messages | selectattr('role', 'eq', 'user') | list | last }}", {"messages": MSGS}),
    ("edge", "{{ messages | map(attribute='tool_calls') | select('defined') | list | length }}", {"messages": MSGS}),
    ("edge", "{{ messages | rejectattr('tool_calls', 'defined') | map(attribute='role') | join(',') }}", {"messages": MSGS}),
    ("edge", "{{ messages | selectattr('tool_calls') | list | length }}", {"messages": MSGS}),
    ("edge", "{% set ns = namespace(found=false) %}{% for m in messages %}{% if m.tool_calls is defined %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", {"messages": MSGS}),
    ("edge", "{{ 'Hello' | replace('l', 'L') | lower | capitalize }}", {}),
    ("edge", "{{ '  multi\n  line  ' | trim | indent(4, first=true) }}", {}),
    ("edge", "{{ [3, 1, 2] | sort | first }} {{ ['b', 'a'] | sort | last }} {{ [[2, 'b'], [1, 'a']] | sort }}", {}),
    ("edge", "{{ {'b': 1, 'a': 2} | dictsort(by='value', reverse=true) }}", {}),
    ("edge", "{{ 5 / 2 }} {{ 4 / 2 }} {{ -5 // 2 }} {{ -5 % 2 }} {{ 5 % -2 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }}", {}),
    ("edge", "{{ 2 ** 62 }} {{ 2 ** 10 * 3 }} {{ 100000000000 * 3 }}", {}),
    ("edge", "{{ 1e300 * 1e10 }} {{ -1e300 * 1e10 }}", {}),
    ("edge", "{{ 'x' * 0 }}|{{ 'x' * -1 }}|{{ [0] * 3 }}", {}),
    ("edge", "{{ true and 'a' or 'b' }} {{ false and 'a' or 'b' }} {{ none or false }}", {}),
    ("edge", "{{ 1 == '1' }} {{ 1 != '1' }} {{ none == false }} {{ 0 == false }} {{ '' == none }}", {}),
    ("edge", "{{ [1, 2] == (1, 2) }} {{ (1, 2) == (1, 2) }} {{ {} == {} }}", {}),
    ("edge", "{% if x is mapping and 'k' in x %}has k{% endif %}{% if y is iterable and y is not string %} list{% endif %}", {"x": {"k": 1}, "y": [1]}),
    ("edge", "{{ d.get('missing', {}).get('deeper', 'dflt') }}", {"d": {}}),
    ("edge", "{{ (d.a or {}).b | default('none') }}", {"d": {"a": None}}),
    ("edge", "{% set x = none %}{{ x is none }} {{ x | default('d') }} {{ x | default('d', true) }}", {}),
    ("edge", "{% set a = [1] %}{% set b = a + [2] %}{{ a }}{{ b }}", {}),
    ("edge", "{% set d = {'a': 1} %}{% set e = dict(d, b=2) %}{{ d }}{{ e }}", {}),
    ("edge", "{{ '{\"a\": 1}' }} {{ \"it's\" }} {{ 'a\\\\b' }}", {}),
    ("edge", "{# multi\nline\ncomment #}x{# {{ not rendered }} #}y", {}),
    ("edge", "{{ 'a'\n   ~ 'b' }}{%\n  if true\n%}c{% endif %}", {}),
    ("edge", "{% for k, v in {'a': 1, 'b': 2} | dictsort %}{{ k }}{{ v }}{% if not loop.last %},{% endif %}{% endfor %}", {}),
    ("edge", "{{ tools | map(attribute='function') | map(attribute='name') | join(', ') }}", {"tools": [{"function": {"name": "a"}}, {"function": {"name": "b"}}]}),
    ("edge", "{{ tools | map(attribute='function.name') | list }}", {"tools": [{"function": {"name": "a"}}]}),
    ("edge", "{{ l | map('tojson') | join(', ') }}", {"l": [{"a": 1}, [2], "s"]}),
    ("edge", "{{ x | items | list | length }} {% for k, v in x | items %}{{ k }}{% endfor %}", {"x": {"a": 1, "b": 2}}),
    ("edge", "{{ none | items | list }}", {}),
    ("edge", "{{ 'x' | items | list }}", {}),
    ("edge", "{{ content[0].text if content is not string else content }}", {"content": [{"type": "text", "text": "T"}]}),
    ("edge", "{{ 'ß' | upper }} {{ 'İ' | lower | length }}", {}),
    ("edge", "{{ '😀x' | length }} {{ '😀x'[0] }} {{ '😀x' | list | length }}", {}),
    ("edge", "{{ 'abc' is sequence }} {{ none is iterable }} {{ (1,) is sequence }}", {}),
    ("edge", "{{ loop }}", {}),
    ("edge", "{{ varargs }}", {}),
    ("edge", "{% for i in range(3) %}{{ loop.cycle(*['a', 'b']) }}{% endfor %}", {}),
    ("edge", "{{ dict(**{'a': 1}) }} {{ namespace(**{'x': 2}).x }}", {}),
    ("sum", "{{ 'a' + 'b' + 'c' + 'd' }} {{ 1 + 2 + 3.5 }} {{ [1] + [2] + [3] }} {{ 10 - 2 + 3 + 4 }} {{ 1 + 2 - 3 + 4 }}", {}),
    ("sum", "{{ 'a' + 'b' + 1 }}", {}),
    ("sum", "{{ 'a' + ('<' | safe) + '<' + 'b' }}", {}),
    ("sum", "{{ 'x' + m.role + ': ' + m.content | trim + '\n' }}", {"m": {"role": "user", "content": "  hi  "}}),
    ("sum", "{{ 'a' + 'b' + undefined_thing + 'c' }}", {}),
    ("sum", "{{ 'a' + d + 'c' }}", {"d": {"k": 1}}),
    ("generator", "{% set g = [1, 2, 3] | select('odd') %}{{ g | list }}{{ g | list }}", {}),
    ("generator", "{% set g = [1, 2, 3] | map('string') %}{{ g | first }}{% for x in g %}{{ x }}{% endfor %}|{% for x in g %}{{ x }}{% endfor %}", {}),
    ("generator", "{% set g = {'a': 1}.items() %}{{ g | list }}{{ g | list }}{{ g | length }}", {}),
    ("generator", "{% set g = [] | select %}{{ 'truthy' if g else 'falsy' }} {{ g is iterable }} {{ g is sequence }}", {}),
]


def render(env, template, variables):
    try:
        return {"output": env.from_string(template).render(**variables)}
    except Exception as e:  # noqa: BLE001 - the error text is what we record
        return {"error": type(e).__name__ + ": " + str(e)}


def main():
    env = make_env()
    out = []
    for i, (group, template, variables) in enumerate(CASES):
        case = {"id": f"{group}-{i:03d}", "template": template, "variables": variables}
        case.update(render(env, template, variables))
        out.append(case)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "micro_cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(out)} cases ({sum('error' in c for c in out)} errors) -> {path}")


main()

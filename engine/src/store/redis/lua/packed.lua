-- packed (put in front of the scripts that read or write execution records: see `with` in
-- mod.rs): a parked execution's three keys as one string, and back (issue #11).
--
-- A parked execution (not active, not finished) waits, maybe for days, and costs Redis
-- memory all that time. Its record hash x:<id>, history list h:<id> and tokens hash k:<id>
-- cost ~1.9 KB for a small execution, mostly per-key and per-element overhead; the same
-- values in one string ~1.2 KB, and with the substitutions below under 1 KB. So the commit
-- that parks an execution packs its keys into one string at x:<id> (`packed_pack`), and
-- the next write unpacks it (`packed_unpack`), byte for byte; readers read it in place
-- (`packed_read`) and answer what they answer for the hash, list and tokens.
--
-- Format (SEP is byte 30):
--   '#1' SEP flags SEP nf SEP nk SEP ne SEP nd SEP d1 SEP … dnd SEP body
--   body: the record's field, value pairs (nf), the tokens' field, value pairs (nk) and the
--   history events (ne), each followed by SEP, after substitutions: with flag `i` every
--   copy of the execution id (from the key) became byte 1, then every copy of entry dj
--   became byte j + 1, then every copy of word j of PACK_WORDS became byte 31 and byte j,
--   in that order (undone in the reverse order).
-- Only text without bytes 0-31 is packed (JSON from serde escapes them; a state name could
-- hold one), so markers and SEP never meet text and each substitution inverts exactly.
-- A legacy record string starts with digits, never '#'.

local PACK_SEP, PACK_MAGIC = '\30', '#1\30'
-- Texts of Baton's own stored forms that most parked executions hold, grouped by where
-- they are looked for: the head (field `h`), a frame (a numeric field), an event. Part of
-- format `#1`: word j is stored as byte 31 and byte j (PACK_MARKS[j]); never change or
-- remove one, only append (at most 29), with its marker. Built when first needed: every
-- call of a script that includes this file runs its top level.
local PACK_WORDS, PACK_MARKS, PACK_WORD_OF, PACK_CONTROL = nil, nil, nil, nil
local PACK_HEAD, PACK_FRAME, PACK_EVENT = { 1, 10 }, { 11, 18 }, { 19, 22 }
local function pack_words()
  if not PACK_WORDS then
    PACK_WORDS = {
      '","st":"RUNNING","t0":', ',"name":"', '","sm":"', '","rev":', ',"at":{"', '{"id":"',
      ',"seq":', ',"ev":', ',"nf":', ',"nt":',
      '","sb":true,"hb":', ',"x":{"T":{"a":', ',"tk":"bt1_', '","in":', '{"s":"', ',"en":',
      ',"et":', ',"le":',
      '"waitForTaskToken"', '"arn:aws:states:', ':stateMachine:', '"arn:aws:iam::',
    }
    -- Word j's marker. Literals, not built: building costs a call and a concatenation each,
    -- once per script call.
    PACK_MARKS = {
      '\31\1', '\31\2', '\31\3', '\31\4', '\31\5', '\31\6', '\31\7', '\31\8', '\31\9', '\31\10',
      '\31\11', '\31\12', '\31\13', '\31\14', '\31\15', '\31\16', '\31\17', '\31\18', '\31\19',
      '\31\20', '\31\21', '\31\22',
    }
    PACK_WORD_OF = {}
    for j, word in ipairs(PACK_WORDS) do PACK_WORD_OF[PACK_MARKS[j]] = word end
    -- Bytes 0-31, each alone: `string.find` of one byte, plain, is a memchr — a tenth of
    -- the time of one pattern scan for a class of them.
    PACK_CONTROL = {
      '\0', '\1', '\2', '\3', '\4', '\5', '\6', '\7', '\8', '\9', '\10', '\11', '\12', '\13', '\14', '\15',
      '\16', '\17', '\18', '\19', '\20', '\21', '\22', '\23', '\24', '\25', '\26', '\27', '\28', '\29', '\30',
      '\31',
    }
  end
  return PACK_WORDS, PACK_WORD_OF
end
-- Whether `s` holds a byte of 0-31 other than `except` (from `at`).
local function pack_has_control(s, at, except)
  pack_words()
  for c = 1, 32 do
    if c - 1 ~= except and string.find(s, PACK_CONTROL[c], at, true) then return true end
  end
  return false
end
-- Larger executions keep their keys: packing reads and rewrites everything.
local PACK_MOST_ITEMS, PACK_MOST_BYTES = 256, 16384

-- `s` with every `from` (plain text) replaced by `to`.
local function pack_replace(s, from, to)
  local a, b = string.find(s, from, 1, true)
  if not a then return s end
  local c, d = string.find(s, from, b + 1, true)
  -- Most texts hold a word once: no table for them.
  if not c then return string.sub(s, 1, a - 1) .. to .. string.sub(s, b + 1) end
  local out = { string.sub(s, 1, a - 1), to, string.sub(s, b + 1, c - 1), to }
  local at = d + 1
  while true do
    a, b = string.find(s, from, at, true)
    if not a then break end
    out[#out + 1] = string.sub(s, at, a - 1)
    out[#out + 1] = to
    at = b + 1
  end
  out[#out + 1] = string.sub(s, at)
  return table.concat(out)
end

-- The execution id of a record key `<prefix>:{p<N>}:x:<id>` (a prefix has no braces).
local function pack_id(key)
  return string.match(key, '^[^}]*}:x:(.*)$')
end

-- The packed record `blob` stored at `key` as {fields = {f, v, …}, tokens = {f, v, …},
-- events = {…}}; nil when `blob` is not a packed record.
local function packed_read(key, blob)
  if type(blob) ~= 'string' or string.sub(blob, 1, 3) ~= PACK_MAGIC then return nil end
  local at = 4
  local function item()
    local e = string.find(blob, PACK_SEP, at, true)
    if not e then error('the packed record ' .. key .. ' is truncated') end
    local s = string.sub(blob, at, e - 1)
    at = e + 1
    return s
  end
  local flags = item()
  local nf, nk, ne, nd = tonumber(item()), tonumber(item()), tonumber(item()), tonumber(item())
  local dict = {}
  for j = 1, nd do dict[j] = item() end
  -- Each marker expands to text without markers, so one gsub undoes them all, looking
  -- each up in a table (in C): byte 31 and an index for a word (the words' table, by
  -- __index), one byte for the id or an entry. The header holds no marker: it is left as
  -- it is, and `at` still points past it.
  local _, word_of = pack_words()
  local expand = setmetatable({}, { __index = word_of })
  for j = 1, nd do expand[string.char(j + 1)] = dict[j] end
  if string.find(flags, 'i', 1, true) then expand['\1'] = pack_id(key) end
  local body = string.gsub(blob, '\31?[\1-\29]', expand)
  -- A marker left is one no entry or word stands for.
  if pack_has_control(body, at, 30) then error('the packed record ' .. key .. ' is corrupt') end
  local items, from = {}, at
  while from <= #body do
    local e = string.find(body, PACK_SEP, from, true)
    if not e then error('the packed record ' .. key .. ' is truncated') end
    items[#items + 1] = string.sub(body, from, e - 1)
    from = e + 1
  end
  if #items ~= 2 * nf + 2 * nk + ne then error('the packed record ' .. key .. ' is corrupt') end
  local out = { fields = {}, tokens = {}, events = {} }
  for j = 1, 2 * nf do out.fields[j] = items[j] end
  for j = 1, 2 * nk do out.tokens[j] = items[2 * nf + j] end
  for j = 1, ne do out.events[j] = items[2 * nf + 2 * nk + j] end
  return out
end

-- The position of the value of `field` in a flat field, value list; nil when absent.
local function packed_find(list, field)
  for j = 1, #list, 2 do
    if list[j] == field then return j + 1 end
  end
  return nil
end

-- The value of `field` in a flat field, value list; false when absent.
local function packed_field(list, field)
  local j = packed_find(list, field)
  return j and list[j] or false
end

-- What the record key `key` holds: 'hash'; 'packed' and the decoded record; 'legacy' and
-- the string of an earlier version (`<seq>|<JSON>`); nil when there is none.
local function packed_record(key)
  local t = redis.call('TYPE', key)['ok']
  if t == 'hash' then return 'hash' end
  if t ~= 'string' then return nil end
  local text = redis.call('GET', key)
  local packed = packed_read(key, text)
  if packed then return 'packed', packed end
  return 'legacy', text
end

-- What start_execution.lua and fence_partition.lua answer for an existing execution:
-- `{head, input}` (or `{'legacy', <seq>|<JSON>}`); nil when there is none.
local function packed_existing(key)
  local kind, value = packed_record(key)
  if kind == 'hash' then return redis.call('HMGET', key, 'h', 'i') end
  if kind == 'packed' then return { packed_field(value.fields, 'h'), packed_field(value.fields, 'i') } end
  if kind == 'legacy' then return { 'legacy', value } end
  return nil
end

-- Packs the execution of record `x` (a hash), history `h` and tokens `k` into one string
-- at `x` when it is small enough; true when packed.
local function packed_pack(x, h, k)
  local nf, ne, nk = redis.call('HLEN', x), redis.call('LLEN', h), redis.call('HLEN', k)
  if nf == 0 or 2 * nf + 2 * nk + ne > PACK_MOST_ITEMS then return false end
  local fields, tokens, events = redis.call('HGETALL', x), redis.call('HGETALL', k), redis.call('LRANGE', h, 0, -1)
  if pack_has_control(table.concat(fields) .. table.concat(tokens) .. table.concat(events), 1) then return false end
  local words = pack_words()
  -- `text` with the words of `group` replaced (on the item alone: a small string).
  local function with_words(text, group)
    for j = group[1], group[2] do text = pack_replace(text, words[j], PACK_MARKS[j]) end
    return text
  end
  local items = {}
  for j = 1, #fields, 2 do
    local field, value = fields[j], fields[j + 1]
    if field == 'h' then
      value = with_words(value, PACK_HEAD)
    elseif string.match(field, '^%d+$') then
      value = with_words(value, PACK_FRAME)
    end
    items[#items + 1] = field
    items[#items + 1] = value
  end
  for _, v in ipairs(tokens) do items[#items + 1] = v end
  for _, v in ipairs(events) do items[#items + 1] = with_words(v, PACK_EVENT) end
  local body = table.concat(items, PACK_SEP) .. PACK_SEP
  if #body > PACK_MOST_BYTES then return false end

  local flags, dict, seen = '', {}, {}
  local id = pack_id(x)
  if id and #id >= 4 and not pack_has_control(id, 1) then
    local shorter = pack_replace(body, id, '\1')
    if #shorter < #body then body, flags = shorter, 'i' end
  end
  -- Repeated texts, each kept once when that saves bytes: the input, state names, the
  -- leading digits of the start time (timestamps of nearby events share them).
  local function consider(entry)
    if not entry or #entry < 6 or seen[entry] or #dict >= 28 then return end
    seen[entry] = true
    local shorter = pack_replace(body, entry, string.char(#dict + 2))
    if #shorter + #entry + 1 < #body then
      body = shorter
      dict[#dict + 1] = entry
    end
  end
  consider(packed_field(fields, 'i'))
  for j = 1, #fields, 2 do
    if string.match(fields[j], '^%d+$') then consider(string.match(fields[j + 1], '^{"s":"([^"\\]*)"')) end
  end
  local t0 = string.match(packed_field(fields, 'h') or '', '"t0":(%d+)')
  if t0 and #t0 >= 10 then consider(string.sub(t0, 1, #t0 - 4)) end


  local head = { '#1', flags, nf, nk, ne, #dict }
  for _, entry in ipairs(dict) do head[#head + 1] = entry end
  redis.call('DEL', x, h, k)
  redis.call('SET', x, table.concat(head, PACK_SEP) .. PACK_SEP .. body)
  return true
end

-- Unpacks the packed record `text` read from `x` (or `p`, what `packed_read` made of it)
-- back into the hash `x`, the list `h` and the hash `k`; false (nothing written) when it
-- is not packed.
local function packed_unpack(x, h, k, text, p)
  p = p or packed_read(x, text)
  if not p then return false end
  redis.call('DEL', x, h, k)
  redis.call('HSET', x, unpack(p.fields))
  if #p.events > 0 then redis.call('RPUSH', h, unpack(p.events)) end
  if #p.tokens > 0 then redis.call('HSET', k, unpack(p.tokens)) end
  return true
end
